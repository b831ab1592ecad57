// The node's judgement of a silent peer (src/fleet/peer-silence.ts), on a clock the test moves:
// keepalives every tick, silence past the bound reported once, and a tick that itself ran late
// (the node's event loop stalled, so what arrived meanwhile may be unread) never judges.
import { afterEach, describe, expect, it } from 'vitest';
import { PeerSilence } from '../src/fleet/peer-silence.ts';

let silence: PeerSilence | undefined;
afterEach(() => silence?.stop());

function watch() {
  let now = 0;
  const sent: number[] = [];
  const silent: number[] = [];
  // The test ticks by hand: the interval of its own is too long to run.
  silence = new PeerSilence({ everyMs: 1000, silentAfterMs: 3000, sendKeepalive: () => sent.push(now), onSilent: (ms) => silent.push(ms), now: () => now });
  const tick = (ms: number) => {
    now += ms;
    silence!.check();
  };
  return { silence, sent, silent, tick, heardAt: (at: number) => ((now = at), silence!.heard()) };
}

describe('peer silence', () => {
  it('sends a keepalive every tick and says nothing while the peer answers', () => {
    const w = watch();
    for (let t = 1; t <= 10; t++) {
      w.tick(1000);
      w.heardAt(t * 1000 + 5);
    }
    expect(w.sent).toHaveLength(10);
    expect(w.silent).toEqual([]);
  });

  it('reports a peer silent past the bound once, then stops', () => {
    const w = watch();
    w.tick(1000);
    w.tick(1000);
    expect(w.silent).toEqual([]);
    w.tick(1000);
    expect(w.silent).toEqual([3000]);
    w.tick(1000);
    expect(w.silent).toEqual([3000]);
    expect(w.sent).toHaveLength(3);
  });

  it('does not judge on a tick that ran late (a stalled event loop); the next tick does', () => {
    const w = watch();
    w.tick(1000);
    // The loop stalled 5 s: answers may be waiting unread, so no verdict yet.
    w.tick(5000);
    expect(w.silent).toEqual([]);
    // The answer read right after the stall keeps the peer.
    w.heardAt(6010);
    w.tick(1000);
    w.tick(1000);
    expect(w.silent).toEqual([]);
    // Nothing since: the first on-time tick past the bound says so.
    w.tick(1000);
    expect(w.silent).toEqual([3000]);
  });
});
