// A TCP port from an environment variable, with a default: the one parser for every local stack
// (dev, tests, e2e), so a bad value gets the same clear error everywhere.
export function envPort(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a TCP port, got "${raw}"`);
  return value;
}
