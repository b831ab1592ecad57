// `npm run db:seed`: a demo organization (Business plan) with one user per role, two workspaces
// and three rooms. Re-running it is safe: it reuses what exists. Prints the logins.
import { fileURLToPath } from 'node:url';
import { argon2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { ROLES } from '../../schema/src/permissions.ts';
import { DEFAULT_ADMIN_DATABASE_URL, migrate } from './migrate.ts';

export const DEMO_PASSWORD = 'roomcast-demo';
const ORG_SLUG = 'demo';

/** The same PHC format and parameters as workers/src/auth/password.ts (Node 24 has argon2). */
function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = argon2Sync('argon2id', { message: password, nonce: salt, parallelism: 1, tagLength: 32, memory: 19_456, passes: 2 });
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$argon2id$v=19$m=19456,t=2,p=1$${b64(salt)}$${b64(hash)}`;
}

export async function seed(adminDatabaseUrl: string, log: (line: string) => void = console.log) {
  await migrate(adminDatabaseUrl, () => {});
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    const one = async <T = Record<string, string>>(text: string, values: unknown[]) => (await client.query(text, values)).rows[0] as T;
    const org = await one<{ id: string }>(
      `insert into organizations (name, slug) values ('Demo Trading Co', $1)
       on conflict (slug) do update set name = excluded.name returning id`,
      [ORG_SLUG],
    );
    await client.query(
      `insert into subscriptions (organization_id, plan_id, status) values ($1, 'business', 'active')
       on conflict (organization_id) do update set plan_id = 'business', status = 'active'`,
      [org.id],
    );
    const workspaceIds: string[] = [];
    for (const [name, slug] of [['Trading Floor', 'trading-floor'], ['Academy', 'academy']] as const) {
      const w = await one<{ id: string }>(
        `insert into workspaces (organization_id, name, slug) values ($1, $2, $3)
         on conflict (organization_id, slug) do update set name = excluded.name returning id`,
        [org.id, name, slug],
      );
      workspaceIds.push(w.id);
    }
    const roomsToSeed = [
      ['Morning Market Open', 'market-open', 'public', 0],
      ['Options Desk', 'options-desk', 'members', 0],
      ['Beginner Class', 'beginner-class', 'invite', 1],
    ] as const;
    for (const [title, slug, visibility, ws] of roomsToSeed) {
      await client.query(
        `insert into rooms (organization_id, workspace_id, title, slug, visibility) values ($1, $2, $3, $4, $5)
         on conflict (organization_id, slug) where deleted_at is null do nothing`,
        [org.id, workspaceIds[ws], title, slug, visibility],
      );
    }
    const passwordHash = hashPassword(DEMO_PASSWORD);
    const logins: string[] = [];
    for (const role of ROLES) {
      const email = `${role}@demo.roomcast.test`;
      const user = await one<{ id: string }>(
        `insert into users (email, name, password_hash, email_verified_at) values ($1, $2, $3, now())
         on conflict (email) do update set password_hash = excluded.password_hash returning id`,
        [email, `Demo ${role[0]!.toUpperCase()}${role.slice(1)}`, passwordHash],
      );
      await client.query(
        `insert into memberships (organization_id, user_id, role) values ($1, $2, $3)
         on conflict (organization_id, user_id) do update set role = excluded.role`,
        [org.id, user.id, role],
      );
      logins.push(`  ${role.padEnd(10)} ${email}`);
    }
    await client.query('commit');
    log(`Seeded organization "Demo Trading Co" (slug ${ORG_SLUG}, id ${org.id}) on the Business plan:`);
    log(`  2 workspaces, 3 rooms (market-open public, options-desk members, beginner-class invite)`);
    log(`Logins (password "${DEMO_PASSWORD}"):`);
    for (const line of logins) log(line);
    return { organizationId: org.id };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  seed(process.env.DATABASE_ADMIN_URL ?? DEFAULT_ADMIN_DATABASE_URL).catch((error: unknown) => {
    console.error('seed failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
