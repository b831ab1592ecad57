// Every new organization starts on a Starter trial that ends (TRIAL_DAYS). Once it has ended and
// nobody has subscribed (Stripe Checkout, or the local plan switch in billing's local mode), the
// organization keeps everything it has and may still configure it, but cannot go live: 402
// `trial_expired`. A Stripe subscription in Stripe's own trial is Stripe's to end, not ours.
import { eq } from 'drizzle-orm';
import { subscriptions } from '@roomcast/schema/db';
import type { Tx } from '../db/database.ts';
import { ApiError } from '../errors.ts';

type TrialFields = Pick<typeof subscriptions.$inferSelect, 'status' | 'stripeSubscriptionId' | 'trialEndsAt'>;

/** When our own trial ends (null: not on our trial) and whether that moment has passed. */
export function trialState(s: TrialFields, now = Date.now()): { trialEndsAt: Date | null; trialExpired: boolean } {
  const ours = s.status === 'trialing' && !s.stripeSubscriptionId;
  const trialEndsAt = ours ? s.trialEndsAt : null;
  return { trialEndsAt, trialExpired: trialEndsAt !== null && trialEndsAt.getTime() <= now };
}

export async function assertTrialActive(tx: Tx, organizationId: string): Promise<void> {
  const [row] = await tx
    .select({ status: subscriptions.status, stripeSubscriptionId: subscriptions.stripeSubscriptionId, trialEndsAt: subscriptions.trialEndsAt })
    .from(subscriptions)
    .where(eq(subscriptions.organizationId, organizationId));
  const trial = row && trialState(row);
  if (trial?.trialExpired) {
    throw new ApiError(
      402,
      'trial_expired',
      `The free trial ended on ${trial.trialEndsAt!.toISOString().slice(0, 10)}. Subscribe to a plan to go live again; your rooms and settings are kept.`,
      { trialEndsAt: trial.trialEndsAt!.toISOString() },
    );
  }
}
