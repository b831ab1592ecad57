// A local coturn (Debian's `coturn` package, binary `turnserver`) for `npm run dev` and the TURN
// tests: TURN REST API credentials (use-auth-secret), loopback only, no TLS, loopback peers
// allowed (the local media node is on 127.0.0.1). Production coturn is configured by terraform
// (terraform/modules/media-node) with TLS and private ranges denied as peers.
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';

export const TURNSERVER = process.env.TURNSERVER_PATH || 'turnserver';

/** Whether coturn is installed here (`npm run dev` starts it only then). */
export function hasCoturn(): boolean {
  const r = spawnSync(TURNSERVER, ['--help'], { stdio: 'ignore' });
  return r.error === undefined;
}

export interface CoturnOptions {
  port: number;
  secret: string;
  realm?: string;
  /** Relay ports (UDP). coturn picks free ones in the range. */
  minPort?: number;
  maxPort?: number;
  log?: (line: string) => void;
}

export interface Coturn {
  /** turn: URLs for clients (UDP and TCP). */
  urls: string[];
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function startCoturn(options: CoturnOptions): Promise<Coturn> {
  const args = [
    '-n', // no configuration file: everything is on the command line
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${options.port}`,
    `--min-port=${options.minPort ?? 49152}`,
    `--max-port=${options.maxPort ?? 65535}`,
    '--use-auth-secret',
    `--static-auth-secret=${options.secret}`,
    `--realm=${options.realm ?? 'roomcast.local'}`,
    '--fingerprint',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--no-multicast-peers',
    '--allow-loopback-peers',
    '--log-file=stdout',
    '--simple-log',
  ];
  const child = spawn(TURNSERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => {});
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) options.log?.(l);
    });
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
    if (!done) child.kill('SIGKILL');
  };
  // Ready once its TCP listener accepts.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`turnserver exited with code ${child.exitCode} before it was ready`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: options.port }, () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`turnserver did not listen on 127.0.0.1:${options.port} within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { urls: [`turn:127.0.0.1:${options.port}?transport=udp`, `turn:127.0.0.1:${options.port}?transport=tcp`], pid: child.pid, stop };
}
