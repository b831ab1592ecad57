// The studio brand kit API: defaults until saved; owners and admins set it with this organization's
// uploaded images only (another tenant's file or organization is not found, a non-image or an
// unfinished upload is refused with its reason); every member reads it; a room's public page
// carries it with image URLs a browser can load cross-origin.
import { describe, expect, it } from 'vitest';
import { addMember, api, signUp, unique, type Tenant } from './api-client.ts';

const kitPath = (t: Tenant) => `/organizations/${t.organizationId}/brand-kit`;
// The smallest PNG: 1x1, transparent.
const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='), (ch) => ch.charCodeAt(0));

async function upload(t: Tenant, name: string, contentType: string, body: Uint8Array | string, complete = true): Promise<string> {
  const size = typeof body === 'string' ? new TextEncoder().encode(body).length : body.length;
  const created = await api('POST', `/organizations/${t.organizationId}/files`, { token: t.token, body: { name, contentType, sizeBytes: size } });
  expect(created.status).toBe(201);
  if (!complete) return created.body.file.id;
  expect((await fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body })).status).toBe(200);
  expect((await api('POST', `/organizations/${t.organizationId}/files/${created.body.file.id}/complete`, { token: t.token, body: {} })).status).toBe(200);
  return created.body.file.id;
}

const kit = (over: Record<string, unknown> = {}) => ({ logoFileId: null, backgroundFileId: null, primaryColor: '#0EA5E9', nameTags: true, ...over });

describe('the studio brand kit', () => {
  it('is set by owners and admins with their own uploaded images, read by every member, and shown with public rooms', async () => {
    const owner = await signUp('brand');
    expect(await api('GET', kitPath(owner), { token: owner.token })).toMatchObject({ status: 200, body: { primaryColor: '#4338ca', nameTags: true, logoUrl: null, updatedAt: null } });

    const logo = await upload(owner, 'logo.png', 'image/png', PNG);
    const saved = await api('PUT', kitPath(owner), { token: owner.token, body: kit({ logoFileId: logo, nameTags: false }) });
    expect(saved).toMatchObject({ status: 200, body: { logoFileId: logo, backgroundFileId: null, primaryColor: '#0ea5e9', nameTags: false, backgroundUrl: null } });
    // The logo URL works from a browser on another origin (the program canvas draws it).
    const image = await fetch(saved.body.logoUrl, { headers: { origin: 'http://127.0.0.1:3000' } });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('access-control-allow-origin')).toBeTruthy();

    const viewer = await addMember(owner, 'viewer');
    expect(await api('GET', kitPath(owner), { token: viewer.token })).toMatchObject({ status: 200, body: { logoFileId: logo, nameTags: false } });
    expect((await api('PUT', kitPath(owner), { token: viewer.token, body: kit() })).status).toBe(403);

    // A public room's page carries the brand.
    const slug = unique('brand-room');
    const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'Branded', slug, visibility: 'public' } });
    const orgSlug = (await api('GET', `/organizations/${owner.organizationId}`, { token: owner.token })).body.slug;
    const page = await api('GET', `/public/rooms/${orgSlug}/${slug}`);
    expect(page.body.brand).toMatchObject({ primaryColor: '#0ea5e9', nameTags: false, logoUrl: expect.stringContaining(`/org/${owner.organizationId}/`), backgroundUrl: null });
    // A deleted logo leaves the kit.
    expect((await api('DELETE', `/organizations/${owner.organizationId}/files/${logo}`, { token: owner.token })).status).toBe(204);
    expect((await api('GET', `/public/rooms-by-id/${room.body.id}`)).body.brand).toMatchObject({ logoUrl: null });
    // An organization without a kit has no brand on its rooms.
    const plain = await signUp('brand-plain');
    const plainSlug = unique('plain-room');
    await api('POST', `/organizations/${plain.organizationId}/rooms`, { token: plain.token, body: { workspaceId: plain.workspaceId, title: 'Plain', slug: plainSlug, visibility: 'public' } });
    const plainOrg = (await api('GET', `/organizations/${plain.organizationId}`, { token: plain.token })).body.slug;
    expect((await api('GET', `/public/rooms/${plainOrg}/${plainSlug}`)).body.brand).toBeNull();
  });

  it('refuses bad colours, non-images, unfinished uploads, and another tenant\'s files or organization (404)', async () => {
    const owner = await signUp('brand-rules');
    const stranger = await signUp('brand-stranger');
    const pdf = await upload(owner, 'deck.pdf', 'application/pdf', '%PDF-1.4');
    const pending = await upload(owner, 'late.png', 'image/png', PNG, false);
    const theirs = await upload(stranger, 'their-logo.png', 'image/png', PNG);

    for (const primaryColor of ['red', '#12345', '#1234567', '#gg0000']) {
      expect(await api('PUT', kitPath(owner), { token: owner.token, body: kit({ primaryColor }) }), primaryColor).toMatchObject({ status: 400 });
    }
    expect((await api('PUT', kitPath(owner), { token: owner.token, body: { primaryColor: '#000000' } })).status).toBe(400);
    expect((await api('PUT', kitPath(owner), { token: owner.token, body: kit({ logoFileId: 'not-a-uuid' }) })).status).toBe(400);
    expect(await api('PUT', kitPath(owner), { token: owner.token, body: kit({ backgroundFileId: pdf }) })).toMatchObject({ status: 400, body: { error: { code: 'invalid_brand_image', details: { field: 'background' } } } });
    expect(await api('PUT', kitPath(owner), { token: owner.token, body: kit({ logoFileId: pending }) })).toMatchObject({ status: 409, body: { error: { code: 'file_not_uploaded' } } });
    // Another tenant's file is not found, as is another tenant's organization.
    expect(await api('PUT', kitPath(owner), { token: owner.token, body: kit({ logoFileId: theirs }) })).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await api('GET', kitPath(stranger), { token: owner.token })).status).toBe(404);
    expect((await api('PUT', kitPath(stranger), { token: owner.token, body: kit() })).status).toBe(404);
    // Nothing was saved by the refused calls.
    expect((await api('GET', kitPath(owner), { token: owner.token })).body.updatedAt).toBeNull();
  });
});
