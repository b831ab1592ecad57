// A plain `wrangler deploy` must be production: the local runners (npm run dev, the tests, the
// fleet stack) each set their own APP_ENV, so the committed default can be the safe one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('deploy defaults', () => {
  it('wrangler.toml deploys APP_ENV=production', () => {
    const vars = read('wrangler.toml').match(/^\[vars\]\n([\s\S]*?)(?=^\[)/m)?.[1] ?? '';
    expect(vars.match(/^APP_ENV\s*=\s*"([^"]*)"/m)?.[1]).toBe('production');
  });

  it('the fan-out shards\' Worker deploys as the main one does, and each binds the other by name', () => {
    const main = read('wrangler.toml');
    const shards = read('wrangler.shards.toml');
    const one = (text: string, key: string) => text.match(new RegExp(`^${key}\\s*=\\s*(.+)$`, 'm'))?.[1];
    expect(one(shards, 'compatibility_date')).toBe(one(main, 'compatibility_date'));
    expect(one(shards, 'compatibility_flags')).toBe(one(main, 'compatibility_flags'));
    expect(one(shards, 'APP_ENV')).toBe('"production"');
    const binding = (text: string, name: string) => text.match(new RegExp(`name = "${name}"\\nclass_name = "(\\w+)"(?:\\nscript_name = "([\\w-]+)")?`))?.slice(1);
    expect(binding(main, 'ROOM_SHARD')).toEqual(['RoomShardDO', one(shards, 'name')!.replaceAll('"', '')]);
    expect(binding(shards, 'ROOM')).toEqual(['RoomDO', one(main, 'name')!.replaceAll('"', '')]);
    expect(binding(shards, 'ROOM_SHARD')).toEqual(['RoomShardDO', undefined]);
  });

  it('every local runner of the Worker names its APP_ENV itself', () => {
    expect(read('scripts/dev.ts')).toMatch(/APP_ENV: 'development'/);
    expect(read('integration/support/stack.ts')).toMatch(/APP_ENV: 'development'/);
    expect(read('scripts/test/services.ts')).toMatch(/APP_ENV: 'test'/);
  });
});
