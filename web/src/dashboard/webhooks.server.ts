'use server';
// Webhook endpoints and their delivery log through the API. The signing secret exists only in the
// create and rotate answers: it goes to the page once and is never stored or shown again.
import { CreateWebhookEndpointInput } from '@roomcast/schema/api';
import { api, apiPath } from '~/server/api';
// Type-only, in its own statement: an inline `type` specifier would keep the import as a side effect
// in the browser build of this 'use server' module (pulling the server config into the client).
import type { WebhookDelivery, WebhookEndpoint } from '~/server/api';
import { WebhookDeliveryList, WebhookEndpointCreated, WebhookEndpointList, WebhookEndpointResponse, WebhookRedelivered, WebhookTestSent } from '~/server/api-responses';
import { failure, field, parseForm, scriptRequired } from '~/server/forms';
import { requireOrganization } from './organization.server';

export async function loadWebhookEndpoints(slug: string): Promise<WebhookEndpoint[]> {
  const { organization } = await requireOrganization(slug);
  return (await api.get(`/organizations/${organization.id}/webhooks`, WebhookEndpointList)).endpoints;
}

export async function loadWebhookDeliveries(slug: string, endpointId: string): Promise<{ endpoint: WebhookEndpoint; deliveries: WebhookDelivery[] }> {
  const { organization } = await requireOrganization(slug);
  const base = apiPath`/organizations/${organization.id}/webhooks/${endpointId}`;
  const [endpoint, list] = await Promise.all([api.get(base, WebhookEndpointResponse), api.get(`${base}/deliveries?limit=100`, WebhookDeliveryList)]);
  return { endpoint, deliveries: list.deliveries };
}

const endpointPath = (form: FormData) => apiPath`/organizations/${form.get('organizationId')}/webhooks/${form.get('endpointId')}`;

export async function createWebhookEndpoint(form: FormData) {
  const refused = scriptRequired();
  if (refused) return refused;
  try {
    const input = parseForm(CreateWebhookEndpointInput, { url: field(form, 'url'), events: form.getAll('events'), description: field(form, 'description') || undefined });
    const result = await api.post(apiPath`/organizations/${form.get('organizationId')}/webhooks`, WebhookEndpointCreated, input);
    return { ok: true as const, endpoint: result.endpoint, secret: result.secret };
  } catch (error) {
    return failure(error);
  }
}

export async function setWebhookEndpointEnabled(form: FormData) {
  try {
    await api.patch(endpointPath(form), WebhookEndpointResponse, { enabled: form.get('enabled') === 'true' });
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}

export async function rotateWebhookSecret(form: FormData) {
  const refused = scriptRequired();
  if (refused) return refused;
  try {
    const result = await api.post(`${endpointPath(form)}/rotate-secret`, WebhookEndpointCreated);
    return { ok: true as const, secret: result.secret };
  } catch (error) {
    return failure(error);
  }
}

export async function deleteWebhookEndpoint(form: FormData) {
  try {
    await api.delete(endpointPath(form));
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}

export async function sendWebhookTest(form: FormData) {
  try {
    const { delivery } = await api.post(`${endpointPath(form)}/test`, WebhookTestSent);
    return { ok: true as const, eventId: delivery.eventId };
  } catch (error) {
    return failure(error);
  }
}

export async function redeliverWebhookEvent(form: FormData) {
  try {
    const { redelivered } = await api.post(`${endpointPath(form)}/redeliver`, WebhookRedelivered, { eventId: field(form, 'eventId') });
    return { ok: true as const, redelivered };
  } catch (error) {
    return failure(error);
  }
}
