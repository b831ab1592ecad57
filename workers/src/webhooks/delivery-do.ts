// WebhookDeliveryDO: one per organization, the only sender of that organization's webhooks.
//
// Why a Durable Object with alarms rather than Cloudflare Queues: the Postgres delivery log is the
// source of truth, and what it needs is a timer per organization ("send what is due, wake me when
// the next retry is due"). An alarm is exactly that, survives restarts and evictions, serializes
// the organization's sends (so events to one endpoint leave in the order they happened), and runs
// the same under miniflare/workerd in `npm run dev` and the tests (runDurableObjectAlarm) as on
// Cloudflare with no extra resource. Queues would add a second copy of each event beside the log,
// deliver out of order, and cap a message's delay at 12 hours, below the ~3 day retry span.
import { GuardedDurableObject } from '../platform/guarded-durable-object.ts';
import { loadConfig, type Config } from '../config.ts';
import type { Env } from '../env.ts';
import { deliverDue } from './deliver.ts';

export class WebhookDeliveryDO extends GuardedDurableObject<Env> {
  readonly #config: Config;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = loadConfig(env);
    this.alarmRetryMs = 10_000;
  }

  /** Something was logged for this organization: send it now. */
  async wake(organizationId: string): Promise<void> {
    await this.ctx.storage.put({ organizationId, woken: true });
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > Date.now()) await this.ctx.storage.setAlarm(Date.now());
  }

  protected override async onAlarm(): Promise<void> {
    const organizationId = await this.ctx.storage.get<string>('organizationId');
    if (!organizationId) return;
    // A wake-up while this run is under way sets `woken` again and gets a run of its own.
    await this.ctx.storage.put('woken', false);
    const run = await deliverDue(this.#config, organizationId);
    const woken = await this.ctx.storage.get<boolean>('woken');
    const next = woken || run.more ? Date.now() : run.nextDueAt;
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  protected override async onFetch(): Promise<Response> {
    return new Response(null, { status: 404 });
  }

  protected override async onMessage(): Promise<void> {}

  protected override async onClose(): Promise<void> {}
}
