// Row-level security, proven with raw SQL as the API's own role and no tenant filter at all.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDatabaseUrl } from '../../scripts/local/postgres.ts';
import { testServices } from '../../scripts/test/services.ts';

const admin = new pg.Client({ connectionString: testServices.adminDatabaseUrl });
const app = new pg.Client({ connectionString: appDatabaseUrl(testServices.adminDatabaseUrl) });

interface Tenant {
  org: string;
  workspace: string;
  room: string;
  user: string;
}
let a: Tenant;
let b: Tenant;
let tenantTables: string[];

async function makeTenant(label: string): Promise<Tenant> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const q = async (text: string, values: unknown[]) => (await admin.query(text, values)).rows[0].id as string;
  const org = await q(`insert into organizations (name, slug) values ($1, $2) returning id`, [label, `${label}-${suffix}`]);
  const user = await q(`insert into users (email, name, password_hash) values ($1, $2, 'x') returning id`, [`${label}-${suffix}@example.test`, label]);
  await admin.query(`insert into memberships (organization_id, user_id, role) values ($1, $2, 'owner')`, [org, user]);
  await admin.query(`insert into subscriptions (organization_id, plan_id, status) values ($1, 'starter', 'active')`, [org]);
  const workspace = await q(`insert into workspaces (organization_id, name, slug) values ($1, 'W', 'w') returning id`, [org]);
  const room = await q(`insert into rooms (organization_id, workspace_id, title, slug) values ($1, $2, 'R', $3) returning id`, [org, workspace, `r-${suffix}`]);
  await admin.query(`insert into room_sessions (organization_id, room_id) values ($1, $2)`, [org, room]);
  await admin.query(`insert into audit_log (organization_id, action) values ($1, 'test')`, [org]);
  await admin.query(`insert into ingest_keys (id, organization_id, room_id, prefix, secret_hash) values (gen_random_uuid(), $1, $2, 'rcs_x', 'x')`, [org, room]);
  return { org, workspace, room, user };
}

/** Runs `work` in a transaction scoped the way the API scopes it. */
async function asTenant<T>(scope: { org?: string; user?: string }, work: () => Promise<T>): Promise<T> {
  await app.query('begin');
  try {
    await app.query(`select set_config('app.organization_id', $1, true), set_config('app.user_id', $2, true)`, [scope.org ?? '', scope.user ?? '']);
    return await work();
  } finally {
    await app.query('rollback');
  }
}

beforeAll(async () => {
  await admin.connect();
  await app.connect();
  a = await makeTenant('rls-a');
  b = await makeTenant('rls-b');
  const res = await admin.query(
    `select distinct c.table_name from information_schema.columns c
     join information_schema.tables t using (table_schema, table_name)
     where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
       and (c.column_name = 'organization_id' or c.table_name = 'organizations')
       and c.table_name <> 'stripe_events'`,
  );
  tenantTables = res.rows.map((r) => r.table_name as string).sort();
});

afterAll(async () => {
  await app.end();
  await admin.end();
});

describe('row-level security', () => {
  it('covers every tenant table', async () => {
    expect(tenantTables).toEqual(
      expect.arrayContaining(['api_keys', 'audit_log', 'ingest_keys', 'invitations', 'memberships', 'organizations', 'participant_sessions', 'rooms', 'room_sessions', 'subscriptions', 'workspaces']),
    );
    const res = await admin.query(`select relname, relrowsecurity from pg_class where relname = any($1)`, [tenantTables]);
    for (const row of res.rows) expect(row.relrowsecurity, row.relname).toBe(true);
  });

  it('runs the API as a role that owns nothing and cannot bypass policies', async () => {
    const role = await admin.query(`select rolsuper, rolbypassrls from pg_roles where rolname = 'roomcast_app'`);
    expect(role.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
    const owned = await admin.query(`select count(*)::int as n from pg_tables where schemaname = 'public' and tableowner = 'roomcast_app'`);
    expect(owned.rows[0].n).toBe(0);
    await expect(asTenant({}, () => app.query('set local row_security = off; select * from rooms'))).rejects.toThrow(/row-level security/);
  });

  it('shows nothing of any tenant when no tenant is set', async () => {
    for (const table of tenantTables) {
      const rows = await asTenant({}, () => app.query(`select * from ${table}`));
      expect(rows.rowCount, table).toBe(0);
    }
  });

  it('shows only the scoped tenant\u2019s rows to unfiltered selects', async () => {
    for (const table of tenantTables) {
      const rows = await asTenant({ org: a.org }, () => app.query(`select * from ${table}`));
      const column = table === 'organizations' ? 'id' : 'organization_id';
      for (const row of rows.rows) expect(row[column], table).toBe(a.org);
    }
    const rooms = await asTenant({ org: a.org }, () => app.query(`select id from rooms`));
    expect(rooms.rows.map((r) => r.id)).toContain(a.room);
    expect(rooms.rows.map((r) => r.id)).not.toContain(b.room);
  });

  it('lets unfiltered updates and deletes touch only the scoped tenant', async () => {
    await app.query('begin');
    await app.query(`select set_config('app.organization_id', $1, true)`, [a.org]);
    const updated = await app.query(`update rooms set title = 'hijacked'`);
    const deleted = await app.query(`delete from audit_log`);
    await app.query('commit');
    expect(updated.rowCount).toBeGreaterThan(0);
    expect(deleted.rowCount).toBeGreaterThan(0);
    const bRoom = await admin.query(`select title from rooms where id = $1`, [b.room]);
    expect(bRoom.rows[0].title).toBe('R');
    const bAudit = await admin.query(`select count(*)::int as n from audit_log where organization_id = $1`, [b.org]);
    expect(bAudit.rows[0].n).toBe(1);
  });

  it('refuses to write rows into another tenant', async () => {
    await expect(
      asTenant({ org: a.org }, () => app.query(`insert into rooms (organization_id, workspace_id, title, slug) values ($1, $2, 'x', 'evil')`, [b.org, b.workspace])),
    ).rejects.toThrow(/row-level security/);
    await expect(
      asTenant({ org: a.org }, () => app.query(`update rooms set organization_id = $1 where id = $2`, [b.org, a.room])),
    ).rejects.toThrow(/row-level security/);
  });

  it('lets a user see only their own memberships and organizations across tenants', async () => {
    const orgs = await asTenant({ user: a.user }, () => app.query(`select id from organizations`));
    expect(orgs.rows.map((r) => r.id)).toEqual([a.org]);
    const memberships = await asTenant({ user: a.user }, () => app.query(`select user_id from memberships`));
    expect(memberships.rows.every((r) => r.user_id === a.user)).toBe(true);
    const rooms = await asTenant({ user: a.user }, () => app.query(`select id from rooms`));
    expect(rooms.rowCount).toBe(0);
  });

  it('keeps plans read-only to the API', async () => {
    await expect(asTenant({}, () => app.query(`update plans set max_rooms = 9999`))).rejects.toThrow(/permission denied/);
  });
});
