// Fuzzes the receiving boundary with thousands of random and mutated frames. The object must
// answer each bad frame with an error (never an internal one) and keep serving afterwards.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from './api-client.ts';
import { join, liveRoom, roomTenant } from './room-client.ts';

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('fuzz');
});

/** A small deterministic PRNG so a failure can be replayed from its seed. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

const VALID: Record<string, unknown>[] = [
  { type: 'ping', ts: 1 },
  { type: 'chat.send', text: 'hi', clientId: 'x' },
  { type: 'chat.delete', messageId: 1 },
  { type: 'chat.history', before: 10, limit: 5 },
  { type: 'alert.post', kind: 'buy', text: 'go', symbol: 'BTC', price: 1 },
  { type: 'alert.pin', alertId: 1 },
  { type: 'alert.unpin', alertId: 1 },
  { type: 'hand.raise' },
  { type: 'hand.lower' },
  { type: 'moderation.mute', identity: 'guest:x' },
  { type: 'moderation.kick', identity: 'guest:x' },
  { type: 'moderation.ban', identity: 'guest:x' },
  { type: 'moderation.slow_mode', seconds: 3 },
  { type: 'moderation.chat', enabled: false },
  { type: 'room.end' },
  { type: 'request', id: 'r', method: 'm', data: {} },
  { type: 'hello', protocol: 1, token: 'x' },
];

const WEIRD: unknown[] = [null, true, -1, 0, 1e308, NaN, '', 'x'.repeat(300), '\u0000', '<script>', [], {}, [1, { a: 2 }], { $ne: 1 }, '__proto__'];

function frameFrom(rand: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const roll = rand();
  if (roll < 0.1) {
    // Random bytes as text.
    return Array.from({ length: Math.floor(rand() * 64) }, () => String.fromCharCode(Math.floor(rand() * 0x2fff))).join('');
  }
  const base = structuredClone(pick(VALID)) as Record<string, unknown>;
  const mutations = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < mutations; i++) {
    const keys = Object.keys(base);
    const m = rand();
    if (m < 0.3 && keys.length) base[pick(keys)] = pick(WEIRD);
    else if (m < 0.45 && keys.length) delete base[pick(keys)];
    else if (m < 0.6) base[pick(['extra', 'id', 'type', 'text', '__proto__', 'constructor'])] = pick(WEIRD);
    else if (m < 0.75) base.type = pick(VALID).type + pick(['', '.', 'x', ' ']);
    else if (m < 0.85) base.type = pick(VALID).type;
  }
  const json = JSON.stringify(base);
  // Some frames are truncated mid-way.
  return rand() < 0.15 ? json.slice(0, Math.floor(rand() * json.length)) : json;
}

describe('room fuzz', () => {
  it('survives 3000 random and mutated frames and keeps serving', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const fuzzer = await join(room);
    const rand = prng(20261121);
    for (let batch = 0; batch < 6; batch++) {
      for (let i = 0; i < 500; i++) fuzzer.socket.sendRaw(frameFrom(rand));
      await fuzzer.socket.sync();
    }
    const errors = fuzzer.socket.received.filter((m) => m.type === 'error');
    expect(errors.length).toBeGreaterThan(1000);
    expect(errors.filter((e) => e.code === 'internal')).toEqual([]);
    // The fuzzing viewer is still connected and the room still serves both old and new sockets.
    host.socket.send({ type: 'moderation.chat', enabled: true });
    host.socket.send({ type: 'chat.send', text: 'still serving' });
    await fuzzer.socket.next((m) => m.type === 'chat.message' && m.text === 'still serving');
    const late = await join(room);
    expect(late.welcome.participants.map((p: { identity: string }) => p.identity)).toEqual(
      expect.arrayContaining([host.identity, fuzzer.identity, late.identity]),
    );
  });
});
