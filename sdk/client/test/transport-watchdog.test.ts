// A transport that never connects is replaced: the watchdog fires once its deadline passes without
// `connected`, and never for a transport that connected (or closed) in time.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransportWatchdog } from '../src/transport-watchdog.ts';

const DEADLINE = 20_000;
let transport: { connectionState: string; closed: boolean };
let stuck: string[];
let watchdog: TransportWatchdog;

beforeEach(() => {
  vi.useFakeTimers();
  transport = { connectionState: 'new', closed: false };
  stuck = [];
  watchdog = new TransportWatchdog(transport, (state) => stuck.push(state), DEADLINE);
});
afterEach(() => vi.useRealTimers());

/** The transport's state changes as mediasoup-client reports it. */
const becomes = (state: string) => {
  transport.connectionState = state;
  watchdog.stateChanged(state);
};

describe('transport watchdog', () => {
  it('fires once for a transport that started connecting and never connected', () => {
    watchdog.arm();
    becomes('connecting');
    vi.advanceTimersByTime(DEADLINE - 1);
    expect(stuck).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(stuck).toEqual(['connecting']);
    vi.advanceTimersByTime(DEADLINE * 3);
    expect(stuck).toEqual(['connecting']);
  });

  it('stays quiet for a transport that connects in time, and for one closed meanwhile', () => {
    watchdog.arm();
    becomes('connecting');
    vi.advanceTimersByTime(DEADLINE - 5_000);
    becomes('connected');
    vi.advanceTimersByTime(DEADLINE * 2);
    expect(stuck).toEqual([]);

    becomes('failed');
    transport.closed = true;
    vi.advanceTimersByTime(DEADLINE);
    expect(stuck).toEqual([]);
  });

  it('gives a connection that failed its own deadline, counted from the failure, and lets an ICE restart win', () => {
    watchdog.arm();
    becomes('connected');
    vi.advanceTimersByTime(60_000);
    becomes('disconnected');
    vi.advanceTimersByTime(DEADLINE / 2);
    becomes('failed');
    vi.advanceTimersByTime(DEADLINE - 1);
    expect(stuck).toEqual([]);
    becomes('connected');
    vi.advanceTimersByTime(DEADLINE);
    expect(stuck).toEqual([]);
    becomes('failed');
    vi.advanceTimersByTime(DEADLINE);
    expect(stuck).toEqual(['failed']);
  });
});
