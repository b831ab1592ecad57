// Requests waiting for answers by id (schema/src/protocol/pending-requests.ts).
import { describe, expect, it } from 'vitest';
import { PendingRequests } from '../src/protocol/pending-requests.ts';

const timeout = () => new Error('timed out');

describe('PendingRequests', () => {
  it('resolves by id with the accepted result, once', async () => {
    const pending = new PendingRequests('a-');
    const id = pending.nextId();
    expect(id).toBe('a-1');
    const answer = pending.track(id, 1000, (d) => (d as { n: number }).n * 2, timeout);
    expect(pending.settle('a-9', { ok: true, data: { n: 1 } })).toBe(false);
    expect(pending.settle(id, { ok: true, data: { n: 21 } })).toBe(true);
    expect(pending.settle(id, { ok: true, data: { n: 0 } })).toBe(false);
    await expect(answer).resolves.toBe(42);
    expect(pending.size).toBe(0);
  });

  it('rejects on an error answer, a wrong shape, a timeout, and when the socket goes', async () => {
    const pending = new PendingRequests('b-');
    const refused = pending.track('b-1', 1000, (d) => d, timeout);
    pending.settle('b-1', { ok: false, error: new Error('refused') });
    await expect(refused).rejects.toThrow('refused');
    const wrong = pending.track('b-2', 1000, () => {
      throw new Error('bad shape');
    }, timeout);
    pending.settle('b-2', { ok: true, data: {} });
    await expect(wrong).rejects.toThrow('bad shape');
    await expect(pending.track('b-3', 10, (d) => d, timeout)).rejects.toThrow('timed out');
    expect(pending.settle('b-3', { ok: true, data: {} })).toBe(false);
    const a = pending.track('b-4', 1000, (d) => d, timeout);
    const b = pending.track('b-5', 1000, (d) => d, timeout);
    pending.failAll(() => new Error('gone'));
    await expect(a).rejects.toThrow('gone');
    await expect(b).rejects.toThrow('gone');
    expect(pending.size).toBe(0);
  });
});
