import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { api, setPlan, signUp } from './api-client.ts';

describe('API keys', () => {
  it('are not available on Starter', async () => {
    const owner = await signUp('keys-starter');
    const res = await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: { name: 'ci' } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'plan_limit', details: { limit: 'api_access' } });
  });

  it('are shown once, work as bearer tokens in their organization only, and stop working when revoked', async () => {
    const owner = await signUp('keys');
    const other = await signUp('keys-other');
    await setPlan(owner, 'professional');
    const created = await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: { name: 'backend' } });
    expect(created.status).toBe(201);
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^rck_[0-9a-f]{32}_[\w-]{43}$/);
    const list = await api('GET', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token });
    expect(list.body.apiKeys).toEqual([expect.objectContaining({ id: created.body.apiKey.id, name: 'backend', revokedAt: null })]);
    expect(JSON.stringify(list.body)).not.toContain(secret.slice(20));

    const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: secret, body: { workspaceId: owner.workspaceId, title: 'API room' } });
    expect(room.status).toBe(201);
    const join = await api('POST', `/organizations/${owner.organizationId}/rooms/${room.body.id}/join`, {
      token: secret,
      body: { identity: 'customer-42', name: 'Customer 42', role: 'moderator' },
    });
    expect(join.status).toBe(200);
    expect(decodeJwt(join.body.token)).toMatchObject({ sub: 'customer-42', name: 'Customer 42', role: 'moderator' });
    const ownerRole = await api('POST', `/organizations/${owner.organizationId}/rooms/${room.body.id}/join`, { token: secret, body: { role: 'owner' } });
    expect(ownerRole.status).toBe(400);

    expect((await api('GET', `/organizations/${other.organizationId}/rooms`, { token: secret })).status).toBe(404);
    const keysByKey = await api('GET', `/organizations/${owner.organizationId}/api-keys`, { token: secret });
    expect(keysByKey.status).toBe(403);
    expect((await api('GET', '/auth/me', { token: secret })).status).toBe(403);

    expect((await api('DELETE', `/organizations/${owner.organizationId}/api-keys/${created.body.apiKey.id}`, { token: owner.token })).status).toBe(204);
    const refused = await api('GET', `/organizations/${owner.organizationId}/rooms`, { token: secret });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthenticated');
  });

  it('stop working when the plan loses API access', async () => {
    const owner = await signUp('keys-downgrade');
    await setPlan(owner, 'business');
    const created = await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: { name: 'k' } });
    await setPlan(owner, 'starter');
    const res = await api('GET', `/organizations/${owner.organizationId}/rooms`, { token: created.body.secret });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('plan_limit');
  });

  it('refuse other tenants and viewers', async () => {
    const owner = await signUp('keys-iso');
    const other = await signUp('keys-iso-b');
    await setPlan(owner, 'professional');
    const created = await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: { name: 'k' } });
    const del = await api('DELETE', `/organizations/${other.organizationId}/api-keys/${created.body.apiKey.id}`, { token: other.token });
    expect(del.status).toBe(404);
    const crossDel = await api('DELETE', `/organizations/${owner.organizationId}/api-keys/${created.body.apiKey.id}`, { token: other.token });
    expect(crossDel.status).toBe(404);
    expect((await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: {} })).status).toBe(400);
  });
});

describe('health and documents', () => {
  it('reports the Worker and its dependencies', async () => {
    const res = await api('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', dependencies: { postgres: { ok: true }, redis: { ok: true } } });
  });

  it('serves the OpenAPI document with every resource', async () => {
    const res = await api('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const path of ['/auth/signup', '/auth/login', '/organizations/{org}/rooms/{room}/join', '/organizations/{org}/api-keys', '/organizations/{org}/invitations']) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await api('GET', '/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
