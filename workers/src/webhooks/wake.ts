// Wakes an organization's delivery object after a transaction that logged deliveries committed.
// Reached through the Worker's module-level `env`, so the room object and the routes need no
// binding passed down. A failed wake-up loses nothing: the rows are committed and the cron backstop
// (index.ts `scheduled`) wakes every organization with a delivery due.
import { env } from 'cloudflare:workers';
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { organizationsWithDueDeliveries } from './deliver.ts';
import type { WebhookDeliveryDO } from './delivery-do.ts';

export function deliveryObject(organizationId: string, namespace = (env as unknown as Env).WEBHOOKS) {
  return namespace.get(namespace.idFromName(organizationId)) as unknown as DurableObjectStub<WebhookDeliveryDO>;
}

export async function wakeWebhookDelivery(organizationId: string): Promise<void> {
  try {
    await deliveryObject(organizationId).wake(organizationId);
  } catch (error) {
    console.error('webhooks: wake-up failed; the cron backstop delivers', error);
  }
}

/** The cron backstop: wakes every organization that has a delivery due. */
export async function wakeDueWebhookDeliveries(config: Config): Promise<void> {
  for (const organizationId of await organizationsWithDueDeliveries(config, new Date())) await wakeWebhookDelivery(organizationId);
}
