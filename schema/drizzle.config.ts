import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: ['./schema/src/db/tables.ts', './schema/src/db/media-tables.ts', './schema/src/db/integration-tables.ts'],
  out: './schema/migrations',
  entities: { roles: { provider: '' } },
});
