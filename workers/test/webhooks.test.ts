// Tenant webhooks end to end: endpoints through the API, events from the real room lifecycle,
// delivery by the organization's WebhookDeliveryDO (real alarms; the retry base is 200 ms under
// test, WEBHOOK_RETRY_BASE_MS), a local receiver (scripts/test/webhook-receiver.ts), and signatures
// checked with the `standardwebhooks` library, not our own code.
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { auditLog, webhookEndpoints } from '@roomcast/schema/db';
import { Webhook } from 'standardwebhooks';
import { describe, expect, inject, it } from 'vitest';
import { waitFor } from '../../schema/test/support/wait.ts';
import { loadConfig } from '../src/config.ts';
import { Database } from '../src/db/database.ts';
import type { Env } from '../src/env.ts';
import { deliverDue } from '../src/webhooks/deliver.ts';
import { emitWebhookEvent } from '../src/webhooks/events.ts';
import { openWebhookSecret, sealWebhookSecret, WebhookSecretError } from '../src/webhooks/secret-box.ts';
import { wakeDueWebhookDeliveries } from '../src/webhooks/wake.ts';
import { addMember, api, bindingsWith, fetchWith, setPlan, signUp, unique, type Tenant } from './api-client.ts';
import { join, liveRoom, participantRows, roomTenant, stubFor } from './room-client.ts';

const receiver = `http://127.0.0.1:${inject('webhookReceiverPort')}`;

interface Received {
  headers: Record<string, string>;
  body: string;
  status: number;
  at: number;
}

/** A fresh receiver path answering `script` (see webhook-receiver.ts). */
function hook(script = '200') {
  const name = unique('hook');
  return {
    url: `${receiver}/hooks/${name}?script=${script}`,
    received: async (): Promise<Received[]> => (await fetch(`${receiver}/hooks/${name}/received`)).json(),
  };
}

async function createEndpoint(tenant: Tenant, url: string, events: string[]) {
  const res = await api('POST', `/organizations/${tenant.organizationId}/webhooks`, { token: tenant.token, body: { url, events } });
  if (res.status !== 201) throw new Error(`create endpoint: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.endpoint.id as string, secret: res.body.secret as string };
}

const waitForCount = (what: string, h: ReturnType<typeof hook>, n: number, timeoutMs = 15_000) =>
  waitFor(what, async () => {
    const got = await h.received();
    return got.length >= n ? got : undefined;
  }, { timeoutMs });

const verified = (secret: string, r: Received) => new Webhook(secret).verify(r.body, r.headers) as { id: string; type: string; data: any };

describe('webhook endpoints', () => {
  it('show the whsec_ secret once and manage enable, rotate and delete', async () => {
    const owner = await roomTenant('wh-crud');
    const { id, secret } = await createEndpoint(owner, hook().url, ['room.started']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const list = await api('GET', `/organizations/${owner.organizationId}/webhooks`, { token: owner.token });
    expect(list.body.endpoints).toEqual([expect.objectContaining({ id, events: ['room.started'], enabled: true, disabledReason: null })]);
    expect(JSON.stringify(list.body)).not.toContain(secret.slice(6));

    const disabled = await api('PATCH', `/organizations/${owner.organizationId}/webhooks/${id}`, { token: owner.token, body: { enabled: false } });
    expect(disabled.body).toMatchObject({ enabled: false, disabledReason: 'manual' });
    const rotated = await api('POST', `/organizations/${owner.organizationId}/webhooks/${id}/rotate-secret`, { token: owner.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    expect(Date.parse(rotated.body.endpoint.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);

    expect((await api('POST', `/organizations/${owner.organizationId}/webhooks`, { token: owner.token, body: { url: hook().url, events: ['room.exploded'] } })).status).toBe(400);
    expect((await api('POST', `/organizations/${owner.organizationId}/webhooks`, { token: owner.token, body: { url: 'not a url', events: ['room.started'] } })).body.error.code).toBe('invalid_webhook_url');
    expect((await api('DELETE', `/organizations/${owner.organizationId}/webhooks/${id}`, { token: owner.token })).status).toBe(204);
    expect((await api('GET', `/organizations/${owner.organizationId}/webhooks/${id}`, { token: owner.token })).status).toBe(404);
  });

  it('are for owners and admins on plans with API access, and invisible to other organizations', async () => {
    const owner = await roomTenant('wh-iso');
    const other = await roomTenant('wh-iso-other');
    const h = hook();
    const { id } = await createEndpoint(owner, h.url, ['room.started']);
    await api('POST', `/organizations/${owner.organizationId}/webhooks/${id}/test`, { token: owner.token });
    const [first] = await waitForCount('the test event', h, 1);
    const eventId = first!.headers['webhook-id'];

    const base = `/organizations/${owner.organizationId}/webhooks`;
    for (const [method, path, body] of [
      ['GET', base, undefined],
      ['GET', `${base}/${id}`, undefined],
      ['GET', `${base}/${id}/deliveries`, undefined],
      ['POST', `${base}/${id}/redeliver`, { eventId }],
      ['POST', `${base}/${id}/test`, undefined],
      ['DELETE', `${base}/${id}`, undefined],
    ] as const) {
      expect((await api(method, path, { token: other.token, body })).status, `${method} ${path}`).toBe(404);
    }
    // Their own organization's path with this endpoint id: still nothing.
    expect((await api('GET', `/organizations/${other.organizationId}/webhooks/${id}/deliveries`, { token: other.token })).status).toBe(404);
    expect((await api('POST', `/organizations/${other.organizationId}/webhooks/${id}/redeliver`, { token: other.token, body: { eventId } })).status).toBe(404);
    expect((await api('GET', `/organizations/${other.organizationId}/webhooks`, { token: other.token })).body.endpoints).toEqual([]);

    const host = await addMember(owner, 'host');
    expect((await api('GET', base, { token: host.token })).status).toBe(403);
    const key = await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: { name: 'k' } });
    expect((await api('GET', base, { token: key.body.secret })).status).toBe(403);

    const starter = await signUp('wh-starter');
    const refused = await api('POST', `/organizations/${starter.organizationId}/webhooks`, { token: starter.token, body: { url: hook().url, events: ['room.started'] } });
    expect(refused.body.error).toMatchObject({ code: 'plan_limit', details: { limit: 'api_access' } });
    expect((await h.received()).length).toBe(1);
  });

  it('refuse plain http and private, loopback and link-local destinations in production', async () => {
    const owner = await roomTenant('wh-prod');
    const production = bindingsWith({
      APP_ENV: 'production',
      STRIPE_SECRET_KEY: 'sk_live_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      // The receiver's DNS-over-HTTPS answers: *.private.test is 10.0.0.7, *.public.test public.
      WEBHOOK_DNS_RESOLVER: `${receiver}/dns-query`,
    });
    const create = (url: string) =>
      fetchWith(
        production,
        new Request(`http://roomcast.test/api/v1/organizations/${owner.organizationId}/webhooks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json', 'cf-connecting-ip': '10.9.9.9' },
          body: JSON.stringify({ url, events: ['room.started'] }),
        }),
      );
    expect((await create('http://hooks.public.test/in')).body.error.code).toBe('invalid_webhook_url');
    for (const url of [
      'https://127.0.0.1/in',
      'https://10.1.2.3/in',
      'https://172.20.0.1/in',
      'https://192.168.1.10/in',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/in',
      'https://[fe80::1]/in',
      'https://[::ffff:127.0.0.1]/in',
      'https://2130706433/in',
      'https://localhost/in',
      'https://hooks.private.test/in',
    ]) {
      const res = await create(url);
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({ url, status: 400, code: 'private_webhook_url' });
    }
    const ok = await create('https://hooks.public.test/in');
    expect(ok.status).toBe(201);
  });
});

describe('webhook delivery', () => {
  it('sends participant.left for everyone still in the room before room.ended, once, whoever ends it', async () => {
    for (const endBy of ['api', 'socket'] as const) {
      const tenant = await roomTenant(`wh-end-${endBy}`);
      const h = hook();
      const { id, secret } = await createEndpoint(tenant, h.url, ['room.started', 'room.ended', 'participant.joined', 'participant.left']);
      const room = await liveRoom(tenant);
      const host = await join(room, { role: 'host', name: 'Host' });
      const viewer = await join(room, { name: 'Still Watching' });
      await waitForCount('room.started and two participant.joined', h, 3);

      if (endBy === 'api') {
        expect((await api('POST', `/organizations/${tenant.organizationId}/rooms/${room.roomId}/end`, { token: tenant.token })).status).toBe(200);
      } else {
        host.socket.send({ type: 'room.end' });
        await host.socket.next((m) => m.type === 'room.ended');
      }
      const got = await waitForCount('two participant.left and room.ended', h, 6);
      const events = got.map((r) => verified(secret, r));
      expect(events.map((e) => e.type), endBy).toEqual(['room.started', 'participant.joined', 'participant.joined', 'participant.left', 'participant.left', 'room.ended']);
      const left = events.filter((e) => e.type === 'participant.left');
      expect(left.map((e) => e.data.participant.identity).sort()).toEqual([host.identity, viewer.identity].sort());
      for (const e of left) expect(e.data).toMatchObject({ room: { id: room.roomId }, session: { id: room.sessionId }, reason: 'room_ended' });
      expect(left[0]!.data.leftAt).toBe(events[5]!.data.session.endedAt);

      // The room's own leave rows for them (flushed to Postgres when it closed) add nothing to the log.
      await waitFor('the room to flush its leave rows', () =>
        runInDurableObject(stubFor(room.roomId), (_instance, state) => (state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM usage_outbox').one().n === 0 ? true : undefined)),
      );
      const log = await api('GET', `/organizations/${tenant.organizationId}/webhooks/${id}/deliveries`, { token: tenant.token });
      expect(log.body.deliveries.filter((d: { eventType: string }) => d.eventType === 'participant.left')).toHaveLength(2);
    }
  });

  it('sends room and participant events in order, signed per Standard Webhooks, and logs every attempt', async () => {
    const tenant = await roomTenant('wh-order');
    const h = hook();
    const { id, secret } = await createEndpoint(tenant, h.url, ['room.started', 'room.ended', 'participant.joined', 'participant.left']);
    const room = await liveRoom(tenant);
    const viewer = await join(room, { name: 'Viewer One' });
    viewer.socket.send({ type: 'leave' });
    await waitForCount('room.started, participant.joined, participant.left', h, 3);
    expect((await api('POST', `/organizations/${tenant.organizationId}/rooms/${room.roomId}/end`, { token: tenant.token })).status).toBe(200);
    const got = await waitForCount('room.ended', h, 4);

    const events = got.map((r) => verified(secret, r));
    expect(events.map((e) => e.type)).toEqual(['room.started', 'participant.joined', 'participant.left', 'room.ended']);
    // The first attempt leaves within ~2 s of the event (the wake-up right after the commit).
    const latencies = got.map((r, i) => r.at - Date.parse((events[i] as unknown as { timestamp: string }).timestamp));
    console.log(`webhook first-attempt latency (ms, event time to receipt): ${latencies.join(', ')}`);
    for (const ms of latencies) expect(ms).toBeLessThan(2000);
    expect(got.map((r) => r.headers['webhook-id'])).toEqual(events.map((e) => e.id));
    expect(events[0]).toMatchObject({ version: 1, organizationId: tenant.organizationId, data: { room: { id: room.roomId }, session: { id: room.sessionId } } });
    expect(events[1]!.data).toMatchObject({ room: { id: room.roomId }, participant: { identity: viewer.identity, name: 'Viewer One', role: 'viewer' } });
    expect(events[2]!.data).toMatchObject({ participant: { identity: viewer.identity }, reason: 'left' });
    expect(events[3]!.data).toMatchObject({ room: { id: room.roomId }, session: { id: room.sessionId, endedAt: expect.any(String) } });
    // A tampered body fails the library's verification.
    expect(() => new Webhook(secret).verify(got[0]!.body.replace('room.started', 'room.ended'), got[0]!.headers)).toThrow();

    const log = await api('GET', `/organizations/${tenant.organizationId}/webhooks/${id}/deliveries`, { token: tenant.token });
    expect(log.body.deliveries).toHaveLength(4);
    for (const d of log.body.deliveries) {
      expect(d).toMatchObject({ status: 'delivered', attempts: 1, responseStatus: 200 });
      expect(d.attemptLog).toEqual([expect.objectContaining({ responseStatus: 200, error: null, durationMs: expect.any(Number) })]);
    }
  });

  it('retries 5xx with backoff and delivers the same webhook-id; honours Retry-After on 429', async () => {
    const tenant = await roomTenant('wh-retry');
    const h = hook('500,500,500,200');
    const { id, secret } = await createEndpoint(tenant, h.url, ['room.started']);
    const sent = await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/test`, { token: tenant.token });
    expect(sent.status).toBe(202);
    const got = await waitForCount('four attempts', h, 4);
    expect(got.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set([sent.body.delivery.eventId]));
    for (const r of got) expect(verified(secret, r).type).toBe('webhook.test');
    // Exponential: each gap is longer than the one before (200 ms base, doubling, +-20 % jitter).
    const gaps = got.slice(1).map((r, i) => r.at - got[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(150);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
    const delivery = await waitFor('the log to say delivered', async () => {
      const res = await api('GET', `/organizations/${tenant.organizationId}/webhooks/${id}/deliveries/${sent.body.delivery.id}`, { token: tenant.token });
      return res.body.status === 'delivered' ? res.body : undefined;
    });
    expect(delivery.attemptLog.map((a: { responseStatus: number }) => a.responseStatus)).toEqual([500, 500, 500, 200]);

    const limited = hook('429:2,200');
    const second = await createEndpoint(tenant, limited.url, ['room.started']);
    await api('POST', `/organizations/${tenant.organizationId}/webhooks/${second.id}/test`, { token: tenant.token });
    const twice = await waitForCount('the retry after 429', limited, 2);
    expect(twice[1]!.at - twice[0]!.at).toBeGreaterThanOrEqual(1900);
  });

  it('disables an endpoint that answers 410 Gone', async () => {
    const tenant = await roomTenant('wh-gone');
    const h = hook('410');
    const { id } = await createEndpoint(tenant, h.url, ['room.started']);
    await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/test`, { token: tenant.token });
    const endpoint = await waitFor('the endpoint to be disabled', async () => {
      const res = await api('GET', `/organizations/${tenant.organizationId}/webhooks/${id}`, { token: tenant.token });
      return res.body.enabled === false ? res.body : undefined;
    });
    expect(endpoint.disabledReason).toBe('gone');
    await liveRoom(tenant);
    expect((await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/test`, { token: tenant.token })).status).toBe(409);
    const log = await api('GET', `/organizations/${tenant.organizationId}/webhooks/${id}/deliveries`, { token: tenant.token });
    expect(log.body.deliveries.map((d: { eventType: string; status: string }) => [d.eventType, d.status])).toEqual([['webhook.test', 'failed']]);
    expect((await h.received()).length).toBe(1);
  });

  it('disables an endpoint that has failed for days, with an audit-log notice', async () => {
    const tenant = await roomTenant('wh-failing');
    const h = hook('503');
    const { id } = await createEndpoint(tenant, h.url, ['room.started']);
    // Its failures began six days ago (WEBHOOK_DISABLE_AFTER_HOURS is 120), the way time would.
    const db = new Database(loadConfig(env as unknown as Env));
    try {
      await db.scoped({ organizationId: tenant.organizationId }, (tx) =>
        tx.update(webhookEndpoints).set({ failingSince: new Date(Date.now() - 6 * 24 * 3600_000) }).where(eq(webhookEndpoints.id, id)),
      );
    } finally {
      await db.close();
    }
    await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/test`, { token: tenant.token });
    const endpoint = await waitFor('the endpoint to be disabled', async () => {
      const res = await api('GET', `/organizations/${tenant.organizationId}/webhooks/${id}`, { token: tenant.token });
      return res.body.enabled === false ? res.body : undefined;
    });
    expect(endpoint.disabledReason).toBe('failing');
    expect((await h.received()).map((r) => r.status)).toEqual([503]);
    const log = await api('GET', `/organizations/${tenant.organizationId}/webhooks/${id}/deliveries`, { token: tenant.token });
    expect(log.body.deliveries[0]).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 503, nextAttemptAt: null });
    const audit = new Database(loadConfig(env as unknown as Env));
    try {
      const notices = await audit.scoped({ organizationId: tenant.organizationId }, (tx) =>
        tx.select().from(auditLog).where(and(eq(auditLog.organizationId, tenant.organizationId), eq(auditLog.action, 'webhook_endpoint.disabled'))),
      );
      expect(notices).toEqual([expect.objectContaining({ targetId: id, data: expect.objectContaining({ reason: 'failing' }) })]);
    } finally {
      await audit.close();
    }
  });

  it('redelivers one event or a time range with the same webhook-id; both secrets sign after a rotation', async () => {
    const tenant = await roomTenant('wh-redeliver');
    const h = hook();
    const { id, secret } = await createEndpoint(tenant, h.url, ['room.started']);
    const since = new Date(Date.now() - 1000).toISOString();
    await liveRoom(tenant);
    const [original] = await waitForCount('room.started', h, 1);
    const eventId = original!.headers['webhook-id']!;

    const rotated = await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/rotate-secret`, { token: tenant.token });
    const one = await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/redeliver`, { token: tenant.token, body: { eventId } });
    expect(one.body).toEqual({ redelivered: 1 });
    const again = (await waitForCount('the redelivery', h, 2))[1]!;
    expect(again.headers['webhook-id']).toBe(eventId);
    expect(again.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verified(secret, again).id).toBe(eventId);
    expect(verified(rotated.body.secret, again).id).toBe(eventId);

    const range = await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/redeliver`, {
      token: tenant.token,
      body: { since, until: new Date().toISOString() },
    });
    expect(range.body).toEqual({ redelivered: 1 });
    expect((await waitForCount('the range redelivery', h, 3))[2]!.headers['webhook-id']).toBe(eventId);
    expect((await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/redeliver`, { token: tenant.token, body: { eventId: 'evt_nope' } })).status).toBe(404);
  });

  it('delivers what was logged even when the wake-up was lost (the cron backstop)', async () => {
    const tenant = await roomTenant('wh-backstop');
    const h = hook();
    const { secret } = await createEndpoint(tenant, h.url, ['subscription.updated']);
    const config = loadConfig(env as unknown as Env);
    const db = new Database(config);
    try {
      // Logged as a committed transaction would, with no wake-up after it.
      await db.scoped({ organizationId: tenant.organizationId }, (tx) =>
        emitWebhookEvent(tx, tenant.organizationId, 'subscription.updated', { plan: 'business', status: 'active', previousPlan: 'enterprise', cancelAtPeriodEnd: false }),
      );
    } finally {
      await db.close();
    }
    await wakeDueWebhookDeliveries(config);
    const [got] = await waitForCount('the logged event', h, 1);
    expect(verified(secret, got!)).toMatchObject({ type: 'subscription.updated', data: { plan: 'business' } });
  });

  it('checks the URL again at send time: a production Worker refuses to send to a private address', async () => {
    const tenant = await roomTenant('wh-sendcheck');
    const h = hook();
    // Both allowed when saved (test mode); in production one is plain http, the other's name resolves privately.
    const { id } = await createEndpoint(tenant, h.url, ['subscription.updated']);
    const named = await createEndpoint(tenant, 'https://hooks.private.test/in', ['subscription.updated']);
    const config = loadConfig(env as unknown as Env);
    const db = new Database(config);
    try {
      await db.scoped({ organizationId: tenant.organizationId }, (tx) =>
        emitWebhookEvent(tx, tenant.organizationId, 'subscription.updated', { plan: 'business', status: 'active', previousPlan: null, cancelAtPeriodEnd: false }),
      );
    } finally {
      await db.close();
    }
    // The sender as production runs it (no wake-up: nothing else sends this delivery first).
    await deliverDue({ ...config, webhooks: { ...config.webhooks, publicUrlsOnly: true, dnsResolver: `${receiver}/dns-query` } }, tenant.organizationId);
    const log = await api('GET', `/organizations/${tenant.organizationId}/webhooks/${id}/deliveries`, { token: tenant.token });
    expect(log.body.deliveries[0]).toMatchObject({ status: 'failed', attempts: 1, responseStatus: null });
    expect(log.body.deliveries[0].attemptLog[0].error).toMatch(/https/);
    expect(await h.received()).toEqual([]);
    const privately = await api('GET', `/organizations/${tenant.organizationId}/webhooks/${named.id}/deliveries`, { token: tenant.token });
    expect(privately.body.deliveries[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(privately.body.deliveries[0].attemptLog[0].error).toMatch(/hooks\.private\.test \(10\.0\.0\.7\)/);
  });

  it('sends usage.threshold at 80 % and 100 % of the rooms limit, and subscription.updated on a plan change', async () => {
    const tenant = await signUp('wh-usage');
    await setPlan(tenant, 'professional'); // 10 rooms
    const h = hook();
    const { secret } = await createEndpoint(tenant, h.url, ['usage.threshold', 'subscription.updated']);
    for (let i = 0; i < 10; i++) {
      const res = await api('POST', `/organizations/${tenant.organizationId}/rooms`, { token: tenant.token, body: { workspaceId: tenant.workspaceId, title: `Room ${i}` } });
      expect(res.status).toBe(201);
    }
    await api('POST', `/organizations/${tenant.organizationId}/subscription/local-plan`, { token: tenant.token, body: { plan: 'business' } });
    const got = (await waitForCount('two thresholds and a plan change', h, 3)).map((r) => verified(secret, r));
    expect(got.map((e) => [e.type, e.data.threshold ?? e.data.plan])).toEqual([
      ['usage.threshold', 80],
      ['usage.threshold', 100],
      ['subscription.updated', 'business'],
    ]);
    expect(got[1]!.data).toMatchObject({ limit: 'rooms', used: 10, max: 10, plan: 'professional' });
  });

  it('sends usage.threshold for viewers per room once per session and threshold (Starter: 50 viewers)', async () => {
    const tenant = await roomTenant('wh-usage-viewers');
    const h = hook();
    const { secret } = await createEndpoint(tenant, h.url, ['usage.threshold']);
    const room = await liveRoom(tenant);
    await setPlan(tenant, 'starter');
    // A host takes no viewer seat; customers' own identities (not guests, whom one network may only bring 10 of).
    const host = await join(room, { role: 'host', identity: 'desk-host' });
    const viewers = [];
    for (let i = 1; i <= 41; i++) viewers.push(await join(room, { identity: `customer-${i}` }));
    const [at80] = (await waitForCount('the 80 % threshold', h, 1)).map((r) => verified(secret, r));
    expect(at80!.data).toEqual({ limit: 'viewers_per_room', threshold: 80, used: 40, max: 50, plan: 'starter', room: { id: room.roomId, sessionId: room.sessionId } });
    // Dipping below and crossing again in the same session sends nothing more.
    viewers.pop()!.socket.send({ type: 'leave' });
    viewers.pop()!.socket.send({ type: 'leave' });
    await waitFor('the viewers to leave', async () => ((await participantRows(room)).filter((p) => p.leftAt).length === 2 ? true : undefined));
    for (let i = 42; i <= 52; i++) viewers.push(await join(room, { identity: `customer-${i}` }));
    const refused = await join(room, { identity: 'customer-full' }).catch((error: Error) => error.message);
    expect(refused).toMatch(/room_full/);
    const got = (await waitForCount('the 100 % threshold', h, 2)).map((r) => verified(secret, r));
    expect(got.map((e) => [e.data.threshold, e.data.used])).toEqual([
      [80, 40],
      [100, 50],
    ]);
    for (const v of [host, ...viewers]) v.socket.close();
  }, 60_000);

  it('sends usage.threshold for workspaces and host seats too (Professional: 3 of each)', async () => {
    const tenant = await signUp('wh-usage-seats');
    await setPlan(tenant, 'professional');
    const h = hook();
    const { secret } = await createEndpoint(tenant, h.url, ['usage.threshold']);
    const base = `/organizations/${tenant.organizationId}`;
    // The signup made workspace 1 and the owner's seat; the third of each reaches 80 % and 100 % at once.
    for (const name of ['Second desk', 'Third desk']) expect((await api('POST', `${base}/workspaces`, { token: tenant.token, body: { name } })).status).toBe(201);
    await waitForCount('the workspaces thresholds', h, 2);
    expect((await api('POST', `${base}/workspaces`, { token: tenant.token, body: { name: 'Fourth desk' } })).body.error.code).toBe('plan_limit');
    for (const role of ['host', 'cohost']) {
      expect((await api('POST', `${base}/invitations`, { token: tenant.token, body: { email: `${unique(role)}@example.com`, role } })).status).toBe(201);
    }
    // A viewer takes no host seat.
    expect((await api('POST', `${base}/invitations`, { token: tenant.token, body: { email: `${unique('viewer')}@example.com`, role: 'viewer' } })).status).toBe(201);
    const got = (await waitForCount('thresholds of workspaces and hosts', h, 4)).map((r) => verified(secret, r));
    expect(got.map((e) => e.data)).toEqual([
      { limit: 'workspaces', threshold: 80, used: 3, max: 3, plan: 'professional' },
      { limit: 'workspaces', threshold: 100, used: 3, max: 3, plan: 'professional' },
      { limit: 'hosts', threshold: 80, used: 3, max: 3, plan: 'professional' },
      { limit: 'hosts', threshold: 100, used: 3, max: 3, plan: 'professional' },
    ]);
  });
});

describe('webhook secrets at rest', () => {
  const config = () => loadConfig(env as unknown as Env);

  /** The endpoint's row as Postgres holds it. */
  async function storedEndpoint(tenant: Tenant, id: string) {
    const db = new Database(config());
    try {
      const [row] = await db.scoped({ organizationId: tenant.organizationId }, (tx) => tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)));
      return row!;
    } finally {
      await db.close();
    }
  }

  it('are stored sealed (AES-GCM under the configured key, bound to the endpoint) and still sign what the library verifies', async () => {
    const tenant = await roomTenant('wh-sealed');
    const other = await roomTenant('wh-sealed-other');
    const h = hook();
    const { id, secret } = await createEndpoint(tenant, h.url, ['room.started']);
    const { id: otherId } = await createEndpoint(other, hook().url, ['room.started']);
    const row = await storedEndpoint(tenant, id);
    expect(row.secret).toMatch(/^sealed:v1:test:[A-Za-z0-9+/]+=*$/);
    expect(row.secret).not.toContain(secret.slice(6, 20));
    const keys = config().webhooks.secretKeys;
    expect(await openWebhookSecret(keys, id, row.secret)).toBe(secret);
    // Copied into another endpoint's row it does not open; nor without the key it was sealed under.
    await expect(openWebhookSecret(keys, otherId, row.secret)).rejects.toBeInstanceOf(WebhookSecretError);
    await expect(openWebhookSecret([{ id: 'test', raw: new Uint8Array(32) }], id, row.secret)).rejects.toThrow(/does not open/);
    await expect(openWebhookSecret([{ id: 'next', raw: new Uint8Array(32).fill(1) }], id, row.secret)).rejects.toThrow(/"test"/);
    // A new key put first seals from then on; the old one, still listed, opens what it sealed.
    const next = { id: 'next', raw: crypto.getRandomValues(new Uint8Array(32)) };
    const resealed = await sealWebhookSecret([next, ...keys], id, secret);
    expect(resealed).toMatch(/^sealed:v1:next:/);
    expect(await openWebhookSecret([next, ...keys], id, row.secret)).toBe(secret);

    expect((await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/test`, { token: tenant.token })).status).toBe(202);
    const [got] = await waitForCount('the test event', h, 1);
    expect(verified(secret, got!).type).toBe('webhook.test');
  });

  it('saved in plain text before sealing still sign, are sealed on the next delivery, and a rotation seals both', async () => {
    const tenant = await roomTenant('wh-legacy');
    const h = hook();
    const { id } = await createEndpoint(tenant, h.url, ['room.started']);
    // As a row written before secrets were sealed at rest.
    const legacy = 'whsec_' + btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const db = new Database(config());
    try {
      await db.scoped({ organizationId: tenant.organizationId }, (tx) => tx.update(webhookEndpoints).set({ secret: legacy }).where(eq(webhookEndpoints.id, id)));
    } finally {
      await db.close();
    }
    await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/test`, { token: tenant.token });
    const [first] = await waitForCount('the test event', h, 1);
    expect(verified(legacy, first!).type).toBe('webhook.test');
    const sealed = await storedEndpoint(tenant, id);
    expect(sealed.secret).toMatch(/^sealed:v1:test:/);
    expect(await openWebhookSecret(config().webhooks.secretKeys, id, sealed.secret)).toBe(legacy);

    const rotated = await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/rotate-secret`, { token: tenant.token });
    const after = await storedEndpoint(tenant, id);
    expect([after.secret, after.previousSecret]).toEqual([expect.stringMatching(/^sealed:v1:test:/), expect.stringMatching(/^sealed:v1:test:/)]);
    await api('POST', `/organizations/${tenant.organizationId}/webhooks/${id}/test`, { token: tenant.token });
    const [, second] = await waitForCount('the second test event', h, 2);
    expect(verified(rotated.body.secret, second!).type).toBe('webhook.test');
    expect(verified(legacy, second!).type).toBe('webhook.test');
  });
});

describe('the OpenAPI document', () => {
  it('documents every webhook event and the webhook routes', async () => {
    const doc = (await api('GET', '/openapi.json')).body;
    expect(Object.keys(doc.webhooks)).toEqual(expect.arrayContaining(['room.started', 'room.ended', 'participant.joined', 'participant.left', 'subscription.updated', 'usage.threshold', 'recording.ready', 'egress.failed']));
    expect(doc.paths['/organizations/{org}/webhooks/{endpoint}/redeliver']).toBeDefined();
  });
});
