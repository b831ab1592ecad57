// A small file uploaded the way a browser does it (presigned PUT, then complete), for tests that need one.
import { expect } from 'vitest';
import { api, type Tenant } from './api-client.ts';

export const filesPath = (t: Tenant) => `/organizations/${t.organizationId}/files`;

export async function uploadSmall(t: Tenant, body: string, name = 'notes.txt') {
  const created = await api('POST', filesPath(t), { token: t.token, body: { name, contentType: 'text/plain', sizeBytes: new TextEncoder().encode(body).length } });
  expect(created.status).toBe(201);
  const put = await fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body });
  expect(put.status).toBe(200);
  const done = await api('POST', `${filesPath(t)}/${created.body.file.id}/complete`, { token: t.token, body: {} });
  expect(done.status).toBe(200);
  return done.body.file;
}
