// `npm run fleet:token -- --node <id> --region <region> [--days 365]`: mints a media node's fleet
// credential (an HS256 JWT signed with FLEET_SECRET, aud roomcast-fleet). Give it to the node as
// MEDIA_FLEET_TOKEN. FLEET_SECRET comes from the environment (the local dev default otherwise).
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { signNodeToken } from '../../workers/src/fleet/fleet-token.ts';

/** The same local default `npm run dev` gives the Worker. */
export const DEV_FLEET_SECRET = 'dev-only-fleet-secret-0123456789abcdef';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { node: { type: 'string' }, region: { type: 'string' }, days: { type: 'string', default: '365' } },
  });
  const days = Number(values.days);
  if (!values.node || !values.region || !Number.isFinite(days) || days <= 0) {
    process.stderr.write('usage: npm run fleet:token -- --node <id> --region <region> [--days 365]\n');
    process.exit(2);
  }
  const secret = process.env.FLEET_SECRET || DEV_FLEET_SECRET;
  if (!process.env.FLEET_SECRET) process.stderr.write('FLEET_SECRET is not set: signing with the local dev secret\n');
  if (secret.length < 32) throw new Error('FLEET_SECRET must be at least 32 characters');
  process.stdout.write(`${await signNodeToken(secret, { nodeId: values.node, region: values.region }, Math.round(days * 86_400))}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
