import { describe, expect, it } from 'vitest';
import { addMember, api, setPlan, signUp } from './api-client.ts';

const limitOf = (body: { limits: { limit: string; max: number | null; current: number | null }[] }, name: string) =>
  body.limits.find((l) => l.limit === name);

describe('GET /organizations/{org}/limits', () => {
  it('shows every member the effective plan and usage against each limit', async () => {
    const owner = await signUp('limits');
    for (const title of ['One', 'Two']) {
      const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title } });
      expect(room.status).toBe(201);
    }
    const viewer = await addMember(owner, 'viewer');

    const res = await api('GET', `/organizations/${owner.organizationId}/limits`, { token: viewer.token });
    expect(res.status).toBe(200);
    expect(res.body.plan).toMatchObject({ id: 'starter', features: { apiAccess: false } });
    expect(limitOf(res.body, 'rooms')).toMatchObject({ max: 3, current: 2, exceeded: false });
    expect(limitOf(res.body, 'workspaces')).toMatchObject({ max: 1, current: 1 });
    // The owner is the one host seat; a viewer is not a host.
    expect(limitOf(res.body, 'hosts')).toMatchObject({ max: 1, current: 1 });

    await setPlan(owner, 'professional');
    const upgraded = await api('GET', `/organizations/${owner.organizationId}/limits`, { token: owner.token });
    expect(upgraded.body.plan).toMatchObject({ id: 'professional', features: { apiAccess: true } });
    expect(limitOf(upgraded.body, 'rooms')).toMatchObject({ max: 10, current: 2 });
  });

  it("answers 404 for another tenant's organization and 401 without credentials", async () => {
    const owner = await signUp('limits-a');
    const stranger = await signUp('limits-b');
    expect((await api('GET', `/organizations/${owner.organizationId}/limits`, { token: stranger.token })).status).toBe(404);
    expect((await api('GET', `/organizations/${owner.organizationId}/limits`)).status).toBe(401);
  });
});
