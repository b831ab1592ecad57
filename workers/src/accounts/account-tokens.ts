// One-time tokens of mailed account links (email verification, password reset). The token is 32
// random bytes; only its sha-256 is stored, so a database leak yields no usable link. Spending a
// token is one conditional UPDATE: of two concurrent uses exactly one wins, and an expired, spent
// or other-purpose token matches nothing.
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { accountTokens } from '@roomcast/schema/db';
import { randomToken, sha256Hex } from '../auth/crypto.ts';
import type { Tx } from '../db/database.ts';

export type AccountTokenPurpose = 'verify_email' | 'reset_password' | 'change_email';

export async function issueAccountToken(
  tx: Tx,
  input: { userId: string; email: string; purpose: AccountTokenPurpose; ttlMs: number },
): Promise<string> {
  const token = randomToken();
  // A new link replaces the earlier ones of the same kind: only the latest mail works.
  await tx
    .update(accountTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(accountTokens.userId, input.userId), eq(accountTokens.purpose, input.purpose), isNull(accountTokens.usedAt)));
  await tx.insert(accountTokens).values({
    userId: input.userId,
    email: input.email,
    purpose: input.purpose,
    tokenHash: await sha256Hex(token),
    expiresAt: new Date(Date.now() + input.ttlMs),
  });
  return token;
}

/** Spends a token: its user and address if it was valid, unused and unexpired; otherwise undefined. */
export async function consumeAccountToken(tx: Tx, purpose: AccountTokenPurpose, token: string) {
  const [spent] = await tx
    .update(accountTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(accountTokens.tokenHash, await sha256Hex(token)),
        eq(accountTokens.purpose, purpose),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, sql`now()`),
      ),
    )
    .returning({ userId: accountTokens.userId, email: accountTokens.email });
  return spent;
}
