// Threat-model sweep (OWASP API1, BOLA): every REST route that names an object by id answers a
// stranger — another tenant's owner, or that tenant's API key — exactly like an id that does not
// exist (404), and changes nothing. Also: extra fields in update bodies are ignored (API3).
import { beforeAll, describe, expect, it } from 'vitest';
import { addMember, api, setPlan, signUp, type Tenant } from './api-client.ts';

let victim: Tenant;
let stranger: Tenant;
let strangerKey: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  victim = await signUp('bola-victim');
  stranger = await signUp('bola-stranger');
  await setPlan(victim, 'professional');
  await setPlan(stranger, 'professional');
  const org = `/organizations/${victim.organizationId}`;
  ids.room = (await api('POST', `${org}/rooms`, { token: victim.token, body: { workspaceId: victim.workspaceId, title: 'Private' } })).body.id;
  ids.invitation = (await api('POST', `${org}/invitations`, { token: victim.token, body: { email: 'someone@example.test', role: 'viewer' } })).body.invitation.id;
  ids.key = (await api('POST', `${org}/api-keys`, { token: victim.token, body: { name: 'ci' } })).body.apiKey.id;
  ids.member = (await addMember(victim, 'viewer')).userId;
  ids.file = (await api('POST', `${org}/files`, { token: victim.token, body: { name: 'chart.png', contentType: 'image/png', sizeBytes: 10 } })).body.file.id;
  strangerKey = (await api('POST', `/organizations/${stranger.organizationId}/api-keys`, { token: stranger.token, body: { name: 'x' } })).body.secret;
});

describe('BOLA sweep', () => {
  it('another tenant’s org, workspace, room, member, invitation and key ids answer 404 to a stranger and their API key', async () => {
    const o = victim.organizationId;
    const routes: [string, string, unknown?][] = [
      ['GET', `/organizations/${o}`],
      ['PATCH', `/organizations/${o}`, { name: 'pwned' }],
      ['GET', `/organizations/${o}/workspaces`],
      ['GET', `/organizations/${o}/workspaces/${victim.workspaceId}`],
      ['PATCH', `/organizations/${o}/workspaces/${victim.workspaceId}`, { name: 'pwned' }],
      ['DELETE', `/organizations/${o}/workspaces/${victim.workspaceId}`],
      ['GET', `/organizations/${o}/rooms`],
      ['GET', `/organizations/${o}/rooms/${ids.room}`],
      ['PATCH', `/organizations/${o}/rooms/${ids.room}`, { title: 'pwned' }],
      ['POST', `/organizations/${o}/rooms/${ids.room}/start`],
      ['POST', `/organizations/${o}/rooms/${ids.room}/join`],
      ['POST', `/organizations/${o}/rooms/${ids.room}/end`],
      ['DELETE', `/organizations/${o}/rooms/${ids.room}`],
      ['GET', `/organizations/${o}/members`],
      ['PATCH', `/organizations/${o}/members/${ids.member}`, { role: 'admin' }],
      ['DELETE', `/organizations/${o}/members/${ids.member}`],
      ['GET', `/organizations/${o}/invitations`],
      ['POST', `/organizations/${o}/invitations`, { email: 'eve@example.test', role: 'owner' }],
      ['DELETE', `/organizations/${o}/invitations/${ids.invitation}`],
      ['GET', `/organizations/${o}/api-keys`],
      ['POST', `/organizations/${o}/api-keys`, { name: 'mine now' }],
      ['DELETE', `/organizations/${o}/api-keys/${ids.key}`],
      ['GET', `/organizations/${o}/limits`],
      ['GET', `/organizations/${o}/subscription`],
      ['GET', `/organizations/${o}/usage`],
      ['POST', `/organizations/${o}/subscription/local-plan`, { plan: 'enterprise' }],
      ['GET', `/organizations/${o}/files`],
      ['POST', `/organizations/${o}/files`, { name: 'x.txt', contentType: 'text/plain', sizeBytes: 1 }],
      ['GET', `/organizations/${o}/files/${ids.file}`],
      ['POST', `/organizations/${o}/files/${ids.file}/complete`, {}],
      ['DELETE', `/organizations/${o}/files/${ids.file}`],
      ['GET', `/organizations/${o}/recordings`],
      ['POST', `/organizations/${o}/rooms/${ids.room}/recordings`],
    ];
    for (const token of [stranger.token, strangerKey]) {
      for (const [method, path, body] of routes) {
        const res = await api(method, path, { token, body });
        expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({ method, path, status: 404, code: 'not_found' });
      }
    }
    // The stranger's own workspace/room ids in the victim's org path are 404 too (ids are checked per org).
    const own = await api('GET', `/organizations/${victim.organizationId}/workspaces/${stranger.workspaceId}`, { token: victim.token });
    expect(own.status).toBe(404);
    // Nothing changed.
    const room = await api('GET', `/organizations/${victim.organizationId}/rooms/${ids.room}`, { token: victim.token });
    expect(room.body).toMatchObject({ title: 'Private', status: 'idle' });
    const keys = await api('GET', `/organizations/${victim.organizationId}/api-keys`, { token: victim.token });
    expect(keys.body.apiKeys).toEqual([expect.objectContaining({ id: ids.key, revokedAt: null })]);
    const file = await api('GET', `/organizations/${victim.organizationId}/files/${ids.file}`, { token: victim.token });
    expect(file.body.file).toMatchObject({ name: 'chart.png', status: 'pending' });
  });

  it('update bodies ignore fields they do not define (no mass assignment)', async () => {
    const o = victim.organizationId;
    const org = await api('PATCH', `/organizations/${o}`, { token: victim.token, body: { name: 'Renamed', id: crypto.randomUUID(), stripeCustomerId: 'cus_evil', planId: 'enterprise' } });
    expect(org.status).toBe(200);
    expect(org.body).toMatchObject({ id: o, name: 'Renamed' });
    const sub = await api('GET', `/organizations/${o}/subscription`, { token: victim.token });
    expect(sub.body).toMatchObject({ plan: { id: 'professional' }, stripeSubscription: false });
    const room = await api('PATCH', `/organizations/${o}/rooms/${ids.room}`, { token: victim.token, body: { title: 'T', organizationId: stranger.organizationId, deletedAt: null, createdBy: stranger.userId } });
    expect(room.body).toMatchObject({ organizationId: o, title: 'T' });
  });
});
