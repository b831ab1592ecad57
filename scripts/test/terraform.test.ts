// terraform/ checked offline (no provider download, no cloud account): every .tf file parses with
// an HCL parser (@cdktf/hcl2json), keeps `terraform fmt`'s layout, documents and types every
// variable; the fleet root passes the module what it needs; the firewall opens only media, TURN
// and allow-listed ports; the cloud-init user data, rendered as main.tf renders it, validates
// against cloud-init's schema (`cloud-init schema`, Debian's cloud-init package) and the shell it
// runs passes shellcheck. (.ci/run installs cloud-init and shellcheck.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TF = join(ROOT, 'terraform');
const MODULE = join(TF, 'modules/media-node');
const read = (path: string) => readFileSync(path, 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'roomcast-tf-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name.startsWith('.') ? [] : filesUnder(path, suffix);
    return name.endsWith(suffix) ? [path] : [];
  });
}
const tfFiles = filesUnder(TF, '.tf');

type Json = Record<string, any>;
async function parsed(path: string): Promise<Json> {
  return parse(relative(ROOT, path), read(path)) as Promise<Json>;
}
async function parsedDir(dir: string): Promise<Json[]> {
  return Promise.all(readdirSync(dir).filter((n) => n.endsWith('.tf')).map((n) => parsed(join(dir, n))));
}
const variablesOf = async (dir: string) => Object.assign({}, ...(await parsedDir(dir)).map((j) => j.variable ?? {})) as Record<string, Json[]>;

function run(command: string, args: string[], input?: string) {
  const r = spawnSync(command, args, { input, encoding: 'utf8' });
  expect(r.error, `${command} is missing: apt-get install ${command === 'cloud-init' ? 'cloud-init' : command} (.ci/run does)`).toBeUndefined();
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * `terraform fmt`'s layout, the parts it always enforces: two spaces per nesting level, no tabs, no
 * trailing spaces, one final newline, no blank-line runs, and the `=` of consecutive one-line
 * arguments at one level aligned one space after the longest name.
 */
function layoutProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  if (!text.endsWith('\n') || text.endsWith('\n\n')) problems.push('must end with exactly one newline');
  // Brackets opened on one line make one level (`merge([` indents its contents once).
  const levels: number[] = [];
  let heredoc: string | undefined;
  let group: { line: number; eq: number; key: number }[] = [];
  const closeGroup = () => {
    if (group.length > 1) {
      const want = Math.max(...group.map((g) => g.key)) + 1;
      for (const g of group) if (g.eq !== want) problems.push(`line ${g.line}: "=" at column ${g.eq}, aligned it is at ${want}`);
    }
    group = [];
  };
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (heredoc !== undefined) {
      if (raw.trim() === heredoc) heredoc = undefined;
      return;
    }
    if (/\t/.test(raw)) problems.push(`line ${n}: tab`);
    if (/\s+$/.test(raw)) problems.push(`line ${n}: trailing whitespace`);
    if (raw.trim() === '' && i > 0 && lines[i - 1]!.trim() === '' && i < lines.length - 1) problems.push(`line ${n}: two blank lines`);
    const line = raw.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\s*#.*$/, '');
    const trimmed = line.trim();
    if (trimmed === '') {
      if (raw.trim() === '') closeGroup();
      return;
    }
    const opens = (line.match(/[{[(]/g) ?? []).length;
    const closes = (line.match(/[}\])]/g) ?? []).length;
    // A line that starts by closing: every closer before its first opener (`]...)` closes `merge([`).
    let leading = /^[}\])]/.test(trimmed) ? (/^[^{[(]*/.exec(trimmed)![0].match(/[}\])]/g) ?? []).length : 0;
    let popped = 0;
    for (let k = levels.length - 1; k >= 0 && leading >= levels[k]!; k--, popped++) leading -= levels[k]!;
    const expected = 2 * (levels.length - popped);
    const indent = raw.length - raw.trimStart().length;
    if (indent !== expected) problems.push(`line ${n}: indented ${indent}, expected ${expected}`);
    const arg = /^(\s*)([\w-]+|"[^"]*")(\s*)=(?!=)/.exec(raw);
    if (arg && opens === closes) group.push({ line: n, eq: arg[1]!.length + arg[2]!.length + arg[3]!.length, key: arg[1]!.length + arg[2]!.length });
    else closeGroup();
    if (opens > closes) levels.push(opens - closes);
    for (let rest = closes - opens; rest > 0 && levels.length > 0; ) {
      const top = levels.pop()!;
      if (top > rest) levels.push(top - rest);
      rest -= top;
    }
    const here = /<<-?([A-Z]+)\s*$/.exec(line);
    if (here) heredoc = here[1];
  });
  closeGroup();
  if (levels.length !== 0) problems.push(`brackets do not balance (${levels.length} levels open at the end)`);
  return problems;
}

describe('terraform/', () => {
  it('has the media-node module and the fleet root, and every .tf file parses as HCL', async () => {
    expect(tfFiles.map((f) => relative(TF, f)).sort()).toEqual(
      expect.arrayContaining(['fleet/main.tf', 'fleet/variables.tf', 'fleet/outputs.tf', 'fleet/cloudflare.tf', 'modules/media-node/main.tf', 'modules/media-node/variables.tf']),
    );
    for (const file of tfFiles) await expect(parsed(file), relative(ROOT, file)).resolves.toBeTypeOf('object');
    // The parser does refuse broken HCL (so a pass means something).
    await expect(parse('broken.tf', 'resource "a" "b" {\n  x = \n')).rejects.toBeTruthy();
  });

  it('keeps terraform fmt layout', () => {
    for (const file of tfFiles) expect(layoutProblems(read(file)), relative(ROOT, file)).toEqual([]);
    // The checker itself catches what fmt would change.
    expect(layoutProblems('a = 1\nbbb = 2\n')).toHaveLength(1);
    expect(layoutProblems('x {\n    y = 1\n}\n')).toHaveLength(1);
  });

  it.skipIf(spawnSync('terraform', ['version']).error !== undefined)('passes `terraform fmt -check` where terraform is installed', () => {
    expect(run('terraform', ['fmt', '-check', '-recursive', TF]).status).toBe(0);
  });

  it('documents and types every variable', async () => {
    for (const dir of [MODULE, join(TF, 'fleet')]) {
      const variables = await variablesOf(dir);
      expect(Object.keys(variables).length).toBeGreaterThan(5);
      for (const [name, [v]] of Object.entries(variables)) {
        expect(typeof v!.description === 'string' && v!.description.trim().length > 10, `${relative(TF, dir)}: variable "${name}" has no description`).toBe(true);
        expect(v!.type, `${relative(TF, dir)}: variable "${name}" has no type`).toBeTruthy();
      }
    }
  });

  it('the fleet root passes the module every variable it needs, and none it does not have', async () => {
    const moduleVars = await variablesOf(MODULE);
    const root = await parsed(join(TF, 'fleet/main.tf'));
    const call = root.module.region[0] as Json;
    const passed = Object.keys(call).filter((k) => !['source', 'for_each', 'count', 'providers', 'depends_on'].includes(k));
    expect(passed.filter((k) => !(k in moduleVars))).toEqual([]);
    const required = Object.entries(moduleVars).filter(([, [v]]) => !('default' in v!)).map(([k]) => k);
    expect(required.filter((k) => !passed.includes(k))).toEqual([]);
    // Secrets stay sensitive all the way.
    const rootVars = await variablesOf(join(TF, 'fleet'));
    for (const secret of ['hcloud_token', 'cloudflare_api_token', 'node_tokens', 'turn_secret', 'turn_tls_key_pem']) expect(rootVars[secret]![0]!.sensitive, secret).toBe(true);
    for (const secret of ['node_tokens', 'turn_secret', 'turn_tls_key_pem']) expect(moduleVars[secret]![0]!.sensitive, secret).toBe(true);
  });

  it('opens only media and TURN to the world; SSH and metrics only to their allow-lists; spread placement; labels', async () => {
    const main = read(join(MODULE, 'main.tf'));
    const mod = await parsed(join(MODULE, 'main.tf'));
    expect(mod.resource.hcloud_placement_group.spread[0].type).toBe('spread');
    const server = JSON.stringify(mod.resource.hcloud_server.node[0]);
    for (const ref of ['hcloud_placement_group.spread.id', 'hcloud_firewall.media.id', 'local.labels', 'var.location', 'var.server_type']) expect(server).toContain(ref);
    const world = [...main.matchAll(/\{ protocol = "(\w+)", port = "([^"]+)", source_ips = \["0\.0\.0\.0\/0", "::\/0"\]/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(world).toEqual([
      'udp ${var.rtc_min_port}-${var.rtc_max_port}',
      'tcp ${var.rtc_min_port}-${var.rtc_max_port}',
      'udp 3478',
      'tcp 3478',
      'tcp 5349',
      'tcp 443',
      'udp ${var.turn_relay_min_port}-${var.turn_relay_max_port}',
    ]);
    expect(main).toMatch(/port = "22", source_ips = var\.ssh_allow_cidrs/);
    expect(main).toMatch(/port = tostring\(var\.metrics_port\), source_ips = var\.metrics_allow_cidrs/);
    // cloud-init runs on first boot only: changed user data must not silently replace every node.
    expect(JSON.stringify(mod.resource.hcloud_server.node[0].lifecycle[0].ignore_changes)).toContain('user_data');
  });

  describe('cloud-init user data', () => {
    const template = read(join(MODULE, 'cloud-init.yaml.tftpl'));
    const setupSh = read(join(MODULE, 'files/setup.sh'));
    const placeholders = [...new Set([...template.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!))];
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const unit = read(join(MODULE, 'files/roomcast-media.service.tftpl')).replaceAll('${stop_timeout_seconds}', '1920');
    const sample: Record<string, string> = {
      hostname: 'roomcast-eu-1',
      setup_sh_b64: b64(setupSh),
      media_unit_b64: b64(unit),
      setup_env_b64: b64("NODE_VERSION=24.21.0\nRELEASE_URL='https://releases.example.com/r.tar.gz'\nRELEASE_SHA256=" + '0'.repeat(64) + '\nTURN_TLS=0\n'),
      media_env_b64: b64('MEDIA_NODE_ID=roomcast-eu-1\nMEDIA_FLEET_TOKEN=eyJ.x.y\n'),
      turnserver_conf_b64: b64('use-auth-secret\nstatic-auth-secret=s\n'),
      turn_cert_b64: b64(''),
      turn_key_b64: b64(''),
    };
    const rendered = template.replace(/\$\{([^}]*)\}/g, (_, name: string) => sample[name] ?? `UNKNOWN(${name})`);

    it('uses plain placeholders only, exactly the ones main.tf passes', async () => {
      // No template directives or expressions: every value is a plain name (base64 for files).
      expect(template).not.toMatch(/%\{/);
      for (const p of placeholders) expect(p).toMatch(/^[a-z0-9_]+$/);
      const mod = await parsed(join(MODULE, 'main.tf'));
      const userData = mod.resource.hcloud_server.node[0].user_data as string;
      const passed = [...userData.matchAll(/^\s{4}([a-z0-9_]+)\s+=/gm)].map((m) => m[1]);
      expect(passed.sort()).toEqual([...placeholders].sort());
      expect(Object.keys(sample).sort()).toEqual([...placeholders].sort());
    });

    it('validates against cloud-init\'s schema (`cloud-init schema`)', () => {
      expect(rendered.startsWith('#cloud-config\n')).toBe(true);
      const file = join(tmp, 'user-data.yaml');
      writeFileSync(file, rendered);
      const check = run('cloud-init', ['schema', '--config-file', file]);
      expect(check).toMatchObject({ status: 0 });
      expect(check.output).toContain('Valid cloud-config');
      // And a broken one is refused (so a pass means something).
      writeFileSync(join(tmp, 'bad.yaml'), rendered.replace('runcmd:\n  - [bash, /opt/roomcast/setup.sh]', 'runcmd: {bash: 1}'));
      expect(run('cloud-init', ['schema', '--config-file', join(tmp, 'bad.yaml')]).status).not.toBe(0);
    });

    it('installs Node 24, the media node and coturn as services, the credential root-only', () => {
      const files = [...rendered.matchAll(/- path: (\S+)\n\s+owner: (\S+)\n\s+permissions: "(\d+)"\n\s+encoding: b64\n\s+content: "(\S*)"/g)].map((m) => ({
        path: m[1]!,
        owner: m[2]!,
        mode: m[3]!,
        content: Buffer.from(m[4]!, 'base64').toString('utf8'),
      }));
      const byPath = new Map(files.map((f) => [f.path, f]));
      expect(byPath.get('/etc/roomcast/media-node.env')).toMatchObject({ owner: 'root:root', mode: '0600' });
      expect(byPath.get('/etc/roomcast/media-node.env')!.content).toContain('MEDIA_FLEET_TOKEN=');
      expect(byPath.get('/etc/turnserver.conf')).toMatchObject({ mode: '0600' });
      expect(byPath.get('/opt/roomcast/setup.sh')!.content).toBe(setupSh);
      expect(byPath.get('/etc/systemd/system/roomcast-media.service')!.content).toMatch(/ExecStart=\/usr\/local\/bin\/node --import tsx media-node\/src\/main\.ts/);
      expect(byPath.get('/etc/systemd/system/roomcast-media.service')!.content).toMatch(/KillSignal=SIGTERM[\s\S]*TimeoutStopSec=1920/);
      expect(rendered).toMatch(/packages:[\s\S]*- coturn/);
      expect(setupSh).toMatch(/nodejs\.org\/dist\/v\$\{NODE_VERSION\}/);
      expect(setupSh).toMatch(/sha256sum --check --strict/);
      expect(setupSh).toMatch(/systemctl enable --now roomcast-media\.service/);
      expect(setupSh).toMatch(/systemctl enable coturn\.service/);
    });

    it('runs shell that passes shellcheck (the setup script as delivered, and the rules script it writes)', () => {
      const delivered = /- path: \/opt\/roomcast\/setup\.sh\n(?:.*\n){3}\s+content: "(\S+)"/.exec(rendered)![1]!;
      const script = Buffer.from(delivered, 'base64').toString('utf8');
      expect(run('shellcheck', ['--shell=bash', '--severity=style', '-'], script)).toEqual({ status: 0, output: '' });
      const rules = /<<'RULES'\n([\s\S]*?)\nRULES\n/.exec(script)![1]!;
      expect(run('shellcheck', ['--shell=bash', '--severity=style', '-'], `${rules}\n`)).toEqual({ status: 0, output: '' });
      // shellcheck does find problems (so a pass means something).
      expect(run('shellcheck', ['--shell=bash', '-'], 'echo $1\n').status).not.toBe(0);
    });
  });
});
