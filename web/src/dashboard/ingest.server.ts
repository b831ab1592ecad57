'use server';
// A room's ingest settings (stream key for OBS and hardware encoders) through the API. The key
// exists only in the create/rotate answer: it goes to the page once and is never shown again.
import { IngestSettings } from '@roomcast/schema/api';
import { api, apiPath } from '~/server/api';
import { ApiRequestError } from '~/server/api-error';
import { CreatedIngestResponse } from '~/server/api-responses';
import { failure } from '~/server/forms';
import { requireOrganization } from './organization.server';

/** `none`: no key yet; `plan`: the plan has no API access (ingest is gated like it). */
export type IngestView = { kind: 'settings'; settings: IngestSettings } | { kind: 'none' } | { kind: 'plan'; message: string };

export async function loadIngest(slug: string, roomId: string): Promise<IngestView> {
  const { organization } = await requireOrganization(slug);
  try {
    return { kind: 'settings', settings: await api.get(apiPath`/organizations/${organization.id}/rooms/${roomId}/ingest`, IngestSettings) };
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 404) return { kind: 'none' };
    if (error instanceof ApiRequestError && error.status === 403) return { kind: 'plan', message: error.message };
    throw error;
  }
}

const ingestPath = (form: FormData) => apiPath`/organizations/${form.get('organizationId')}/rooms/${form.get('roomId')}/ingest`;

export async function createIngestKey(form: FormData) {
  try {
    const created = await api.post(ingestPath(form), CreatedIngestResponse);
    return { ok: true as const, streamKey: created.streamKey };
  } catch (error) {
    return failure(error);
  }
}

export async function revokeIngestKey(form: FormData) {
  try {
    await api.delete(ingestPath(form));
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}
