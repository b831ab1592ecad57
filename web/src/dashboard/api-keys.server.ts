'use server';
// API keys of an organization through the API. The secret exists only in the create answer:
// it goes to the page once and is never stored or shown again.
import { CreateApiKeyInput } from '@roomcast/schema/api';
import { api, apiPath } from '~/server/api';
import { ApiKeyCreated, ApiKeyList } from '~/server/api-responses';
import type { ApiKey } from '~/server/api';
import { failure, field, parseForm, scriptRequired } from '~/server/forms';
import { requireOrganization } from './organization.server';

export async function loadApiKeys(slug: string): Promise<ApiKey[]> {
  // Listed on every plan: keys left over from a downgrade must stay visible to be revoked.
  const { organization } = await requireOrganization(slug);
  return (await api.get(`/organizations/${organization.id}/api-keys`, ApiKeyList)).apiKeys;
}

const orgPath = (form: FormData) => apiPath`/organizations/${form.get('organizationId')}`;

export async function createApiKey(form: FormData) {
  const refused = scriptRequired();
  if (refused) return refused;
  try {
    const input = parseForm(CreateApiKeyInput, { name: field(form, 'name') });
    const result = await api.post(`${orgPath(form)}/api-keys`, ApiKeyCreated, input);
    return { ok: true as const, apiKey: result.apiKey, secret: result.secret };
  } catch (error) {
    return failure(error);
  }
}

export async function revokeApiKey(form: FormData) {
  try {
    await api.delete(orgPath(form) + apiPath`/api-keys/${form.get('keyId')}`);
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}
