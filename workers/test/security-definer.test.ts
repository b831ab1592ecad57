// The SECURITY DEFINER lookups (migrations 0002, 0003, 0005, 0006) run as their owner and bypass
// RLS. Postgres searches the session's temporary schema FIRST for tables unless search_path names
// pg_temp last, so a session of the API role could shadow `rooms` or `organizations` with a temp
// table and steer what these functions read. Each must pin search_path to public, then pg_temp.
import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { Database } from '../src/db/database.ts';
import type { Env } from '../src/env.ts';

describe('SECURITY DEFINER functions', () => {
  it('cannot be steered by a temporary table of the calling session', async () => {
    const db = new Database(loadConfig(env as unknown as Env));
    const fake = crypto.randomUUID();
    try {
      const rows = await db.scoped({ organizationId: crypto.randomUUID() }, async (tx) => {
        await tx.execute(sql.raw(`CREATE TEMP TABLE rooms (id uuid, organization_id uuid, title text, visibility room_visibility, slug text, deleted_at timestamptz) ON COMMIT DROP`));
        await tx.execute(sql`INSERT INTO pg_temp.rooms VALUES (${fake}, ${fake}, 'planted', 'public', 'planted', NULL)`);
        return (await tx.execute<{ title: string }>(sql`select * from app_find_room_by_id(${fake})`)).rows;
      });
      expect(rows).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('all pin search_path with pg_temp last', async () => {
    const db = new Database(loadConfig(env as unknown as Env));
    try {
      const rows = await db.global(async (g) =>
        (await g.execute<{ name: string; config: string[] | null }>(sql`select p.proname as name, p.proconfig as config from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' and p.prosecdef order by 1`)).rows,
      );
      expect(rows.length).toBeGreaterThanOrEqual(6);
      for (const r of rows) expect({ name: r.name, config: r.config }).toEqual({ name: r.name, config: ['search_path=public, pg_temp'] });
    } finally {
      await db.close();
    }
  });
});
