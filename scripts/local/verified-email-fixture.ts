// Scripted stacks (benches, the fleet integration tests) sign up through the API and then go live
// or create API keys, which need a verified address. Clicking the mailed link is what a person
// does (web/test/e2e proves it); these scripts mark the address verified in the database instead,
// as the owner, the same way they put organizations on a plan.
import pg from 'pg';

export async function markEmailsVerified(adminDatabaseUrl: string, emails: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('update users set email_verified_at = now() where email = any($1) and email_verified_at is null', [emails.map((e) => e.toLowerCase())]);
  } finally {
    await client.end();
  }
}
