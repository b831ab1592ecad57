// Which organization's provider an email address belongs to. Domains are claimed by one
// organization at most (sso_domains' primary key). Mailbox providers' public domains cannot be
// claimed at all: an organization that claimed gmail.com could otherwise ask every gmail.com user
// to sign in through its provider, and require SSO of them.
import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { ApiError } from '../errors.ts';

const PUBLIC_MAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com', 'ymail.com',
  'icloud.com', 'me.com', 'mac.com', 'aol.com', 'proton.me', 'protonmail.com', 'pm.me', 'gmx.com', 'gmx.de',
  'gmx.net', 'web.de', 'mail.com', 'zoho.com', 'yandex.com', 'yandex.ru', 'mail.ru', 'qq.com', '163.com',
  '126.com', 'fastmail.com', 'hey.com', 'tutanota.com', 'tuta.io', 'orange.fr', 'free.fr', 'laposte.net',
]);

export function assertClaimableDomain(domain: string) {
  if (PUBLIC_MAIL_DOMAINS.has(domain)) {
    throw new ApiError(400, 'public_email_domain', `${domain} is a public mailbox provider: only domains your organization owns can use its SSO`);
  }
}

export const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

/** The organization that claimed the address's domain for SSO, found before any tenant is known. */
export async function findSsoDomain(db: Database, email: string): Promise<{ organizationId: string; ssoRequired: boolean } | undefined> {
  const domain = domainOf(email);
  const row = await db.global(async (tx) => {
    const result = await tx.execute<{ organization_id: string; sso_required: boolean }>(
      sql`select organization_id, sso_required from app_find_sso_domain(${domain})`,
    );
    return result.rows[0];
  });
  return row ? { organizationId: row.organization_id, ssoRequired: row.sso_required } : undefined;
}
