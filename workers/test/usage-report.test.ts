// Usage metering: participant minutes and stream minutes per closed hour are reported to Stripe
// (the FAKE) as meter events, each slice exactly once, including usage of rooms deleted since.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { participantSessions, roomSessions, usageReports } from '@roomcast/schema/db';
import { reportUsage } from '../src/billing/usage-reporter.ts';
import type { Env } from '../src/env.ts';
import worker from '../src/index.ts';
import { api, signUp, type Tenant } from './api-client.ts';
import { asTenant, config, fakeRequests, withCustomer } from './billing-helpers.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Sessions as the RoomDO would have written them, at chosen times. */
async function insertUsage(t: Tenant, roomId: string, room: [Date, Date][], participants: [Date, Date | null][]) {
  await asTenant(t.organizationId, async (tx) => {
    for (const [startedAt, endedAt] of room) await tx.insert(roomSessions).values({ organizationId: t.organizationId, roomId, startedAt, endedAt });
    for (const [joinedAt, leftAt] of participants) {
      await tx.insert(participantSessions).values({ organizationId: t.organizationId, roomId, identity: `guest:${crypto.randomUUID()}`, name: 'Guest', role: 'viewer', joinedAt, leftAt });
    }
  });
}

const meterEventsFor = async (customer: string) => (await fakeRequests('/v1/billing/meter_events')).filter((r) => r.body.payload?.stripe_customer_id === customer);

describe('Usage reporting to Stripe', () => {
  it('reports each closed hour once, keeps deleted rooms billed, and survives a crash before recording', async () => {
    const owner = await signUp('usage');
    const customer = await withCustomer(owner);
    const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'Metered' } });
    const H = Math.floor(Date.now() / HOUR) * HOUR; // this hour's start
    const at = (ms: number) => new Date(H + ms);
    await insertUsage(
      owner,
      room.body.id,
      [[at(-3 * HOUR), at(-HOUR + 30 * MIN)]],
      [
        [at(-3 * HOUR + 10 * MIN), at(-3 * HOUR + 40 * MIN)], // 30 min in H-3
        [at(-2 * HOUR + 50 * MIN), at(-HOUR + 20 * MIN)], // 10 min in H-2, 20 in H-1
      ],
    );
    // Deleting the room keeps its sessions: their usage is still billed.
    expect((await api('DELETE', `/organizations/${owner.organizationId}/rooms/${room.body.id}`, { token: owner.token })).status).toBe(204);

    const cfg = config();
    if (cfg.billing.mode !== 'stripe') throw new Error('the workers-stripe project binds Stripe keys');
    const { participantMinutes, streamMinutes } = cfg.billing.meters;
    await reportUsage(cfg, at(15 * MIN));
    const first = await meterEventsFor(customer);
    const seen = first.map((r) => [r.body.event_name, Number(r.body.timestamp), r.body.payload.value]).sort();
    const ts = (hoursAgo: number) => Math.floor((H - hoursAgo * HOUR + HOUR) / 1000) - 1;
    expect(seen).toEqual(
      [
        [participantMinutes, ts(3), '30'],
        [participantMinutes, ts(2), '10'],
        [participantMinutes, ts(1), '20'],
        [streamMinutes, ts(3), '60'],
        [streamMinutes, ts(2), '60'],
        [streamMinutes, ts(1), '30'],
      ].sort(),
    );
    for (const r of first) {
      expect(r.status).toBe(200);
      expect(r.idempotencyKey).toBe(r.body.identifier);
    }
    expect(new Set(first.map((r) => r.body.identifier)).size).toBe(6);

    // A rerun reports nothing new.
    await reportUsage(cfg, at(20 * MIN));
    expect(await meterEventsFor(customer)).toHaveLength(6);

    // The current hour closes later; a new slice is reported on its own.
    await insertUsage(owner, room.body.id, [], [[at(5 * MIN), at(10 * MIN)]]);
    await reportUsage(cfg, at(5 * MIN)); // hour H still open (and within the lag)
    expect(await meterEventsFor(customer)).toHaveLength(6);
    await reportUsage(cfg, at(HOUR + 15 * MIN));
    const withNew = await meterEventsFor(customer);
    expect(withNew).toHaveLength(7);
    expect(withNew.at(-1)!.body).toMatchObject({ event_name: participantMinutes, payload: { value: '5' } });

    // Crash after Stripe accepted a slice but before it was recorded: the rerun sends the same
    // identifier and idempotency key, Stripe replays its answer, and no second event exists.
    await asTenant(owner.organizationId, (tx) => tx.delete(usageReports).where(eq(usageReports.sliceStart, at(-3 * HOUR))));
    await reportUsage(cfg, at(HOUR + 20 * MIN));
    const afterCrash = await meterEventsFor(customer);
    const resent = afterCrash.slice(7);
    expect(resent).toHaveLength(2);
    expect(resent.every((r) => r.replayed)).toBe(true);
    const reported = await asTenant(owner.organizationId, (tx) => tx.select().from(usageReports).where(eq(usageReports.organizationId, owner.organizationId)));
    expect(reported).toHaveLength(7);
  });

  it('runs from the cron trigger (the Worker\'s scheduled handler)', async () => {
    const owner = await signUp('usage-cron');
    const customer = await withCustomer(owner);
    const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'Cron' } });
    const twoHoursAgo = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    await insertUsage(owner, room.body.id, [[new Date(twoHoursAgo), new Date(twoHoursAgo + 45 * MIN)]], []);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '*/5 * * * *', scheduledTime: Date.now() }), env as unknown as Env, ctx);
    await waitOnExecutionContext(ctx);
    const events = await meterEventsFor(customer);
    expect(events.map((r) => r.body.payload.value)).toEqual(['45']);
  });
});
