// Applies the committed drizzle migrations and syncs the plan table from schema/src/plans.ts.
// Runs as the database owner (not the API role). `npm run db:migrate` uses DATABASE_ADMIN_URL,
// falling back to the local default.
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as applyMigrations } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { plans } from '../../schema/src/db/tables.ts';
import { PLANS } from '../../schema/src/plans.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../schema/migrations', import.meta.url));
export const DEFAULT_ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/roomcast';

export async function migrate(adminDatabaseUrl: string, log: (line: string) => void = console.log): Promise<void> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    const db = drizzle({ client });
    await applyMigrations(db, { migrationsFolder: MIGRATIONS_FOLDER });
    for (const plan of PLANS) {
      const { id, ...values } = plan;
      await db.insert(plans).values(plan).onConflictDoUpdate({ target: plans.id, set: values });
    }
    log(`migrations applied, ${PLANS.length} plans in sync`);
  } finally {
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  migrate(process.env.DATABASE_ADMIN_URL ?? DEFAULT_ADMIN_DATABASE_URL).catch((error: unknown) => {
    console.error('migration failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
