// Published recordings: hosts publish a playable recording of a public room; anyone then finds it
// on the organization's public page and plays it in the VOD embed (presigned GET). Unpublished,
// unplayable, members-only and other tenants' recordings are 404, and the lookups (SECURITY
// DEFINER, migration 0017) answer nothing else. Recordings are made straight in the database and
// the store here: recording itself is proven in recordings.test.ts.
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { recordings } from '@roomcast/schema/db';
import { Database } from '../src/db/database.ts';
import { ObjectStore } from '../src/storage/object-store.ts';
import { api, unique, type Tenant } from './api-client.ts';
import { config, roomTenant } from './room-client.ts';

const orgSlug = async (t: Tenant) => (await api('GET', `/organizations/${t.organizationId}`, { token: t.token })).body.slug as string;

async function publicRoom(t: Tenant, title: string): Promise<string> {
  const created = await api('POST', `/organizations/${t.organizationId}/rooms`, { token: t.token, body: { workspaceId: t.workspaceId, title, slug: unique('vod'), visibility: 'public' } });
  expect(created.status).toBe(201);
  return created.body.id;
}

/** A finished recording of `roomId` whose file is really in the store. */
async function recordingOf(t: Tenant, roomId: string, status: 'ready' | 'recording' = 'ready'): Promise<string> {
  const id = crypto.randomUUID();
  const objectKey = `org/${t.organizationId}/recordings/${id}/recording.webm`;
  const store = new ObjectStore(config.storage!);
  expect((await fetch(await store.presignPut(objectKey, 'video/webm'), { method: 'PUT', headers: { 'content-type': 'video/webm' }, body: 'webm bytes' })).status).toBe(200);
  const db = new Database(config);
  try {
    await db.scoped({ organizationId: t.organizationId }, (tx) =>
      tx.insert(recordings).values({ id, organizationId: t.organizationId, roomId, status, objectKey, durationMs: 12_000, sizeBytes: 10, videoCodec: 'vp8', audioCodec: 'opus', endedAt: new Date(), readyAt: new Date() }),
    );
  } finally {
    await db.close();
  }
  return id;
}

const path = (t: Tenant, id: string, action = '') => `/organizations/${t.organizationId}/recordings/${id}${action}`;

describe('published recordings', () => {
  it('a published recording of a public room is on the public page and plays in the embed; unpublished ones are not', async () => {
    const tenant = await roomTenant('vod');
    const slug = await orgSlug(tenant);
    const roomId = await publicRoom(tenant, 'Market open');
    const [shown, hidden] = [await recordingOf(tenant, roomId), await recordingOf(tenant, roomId)];

    const published = await api('POST', path(tenant, shown, '/publish'), { token: tenant.token });
    expect(published.status).toBe(200);
    expect(published.body.recording.publishedAt).toEqual(expect.any(String));
    expect((await api('GET', path(tenant, hidden))).status).toBe(401);

    const page = await api('GET', `/public/organizations/${slug}/recordings`);
    expect(page.status).toBe(200);
    expect(page.body.recordings).toEqual([{ id: shown, title: 'Market open', startedAt: expect.any(String), durationMs: 12_000, posterUrl: null }]);

    const embed = await api('GET', `/public/recordings/${shown}`);
    expect(embed.body).toMatchObject({ id: shown, title: 'Market open', durationMs: 12_000 });
    const played = await fetch(embed.body.playbackUrl, { headers: { range: 'bytes=0-3' } });
    expect(played.status).toBe(206);
    expect(await played.text()).toBe('webm');
    expect((await api('GET', `/public/recordings/${hidden}`)).status).toBe(404);

    // A room that is no longer public takes its recordings off the public page and the embed.
    expect((await api('PATCH', `/organizations/${tenant.organizationId}/rooms/${roomId}`, { token: tenant.token, body: { visibility: 'members' } })).status).toBe(200);
    expect((await api('GET', `/public/recordings/${shown}`)).status).toBe(404);
    expect((await api('GET', `/public/organizations/${slug}/recordings`)).body.recordings).toEqual([]);
    await api('PATCH', `/organizations/${tenant.organizationId}/rooms/${roomId}`, { token: tenant.token, body: { visibility: 'public' } });
    expect((await api('GET', `/public/recordings/${shown}`)).status).toBe(200);

    expect((await api('POST', path(tenant, shown, '/unpublish'), { token: tenant.token })).body.recording.publishedAt).toBeNull();
    expect((await api('GET', `/public/recordings/${shown}`)).status).toBe(404);
    expect((await api('GET', `/public/organizations/${slug}/recordings`)).body).toEqual({ organizationName: expect.any(String), recordings: [], nextCursor: null });
    // Bad input: unknown organization, malformed id.
    expect((await api('GET', `/public/organizations/${unique('nobody')}/recordings`)).status).toBe(404);
    expect((await api('GET', '/public/recordings/not-a-uuid')).status).toBe(404);
  });

  it('refuses to publish what cannot play, and another tenant\'s recording ids are 404', async () => {
    const tenant = await roomTenant('vod-owner');
    const roomId = await publicRoom(tenant, 'Close');
    const live = await recordingOf(tenant, roomId, 'recording');
    expect(await api('POST', path(tenant, live, '/publish'), { token: tenant.token })).toMatchObject({ status: 409, body: { error: { code: 'recording_not_playable' } } });

    const ready = await recordingOf(tenant, roomId);
    const stranger = await roomTenant('vod-stranger');
    for (const action of ['/publish', '/unpublish']) {
      expect((await api('POST', path(stranger, ready, action), { token: stranger.token })).status).toBe(404);
      expect((await api('POST', path(tenant, ready, action), { token: stranger.token })).status).toBe(404);
    }
    const db = new Database(config);
    try {
      const [row] = await db.scoped({ organizationId: tenant.organizationId }, (tx) => tx.select({ publishedAt: recordings.publishedAt }).from(recordings).where(eq(recordings.id, ready)));
      expect(row!.publishedAt).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('pages the library and the public page newest first: every recording once, ties on the same millisecond included', async () => {
    const tenant = await roomTenant('vod-pages');
    const slug = await orgSlug(tenant);
    const roomId = await publicRoom(tenant, 'Pages');
    // Five published recordings; three start within one millisecond (Postgres keeps microseconds).
    const starts = ['2026-03-01 10:00:00.500+00', '2026-03-01 10:00:00.123900+00', '2026-03-01 10:00:00.123100+00', '2026-03-01 10:00:00.123100+00', '2026-03-01 09:00:00+00'];
    const ids = starts.map(() => crypto.randomUUID());
    const db = new Database(config);
    try {
      await db.scoped({ organizationId: tenant.organizationId }, (tx) =>
        tx.insert(recordings).values(
          starts.map((at, i) => ({ id: ids[i]!, organizationId: tenant.organizationId, roomId, status: 'ready' as const, objectKey: `org/${tenant.organizationId}/recordings/${ids[i]}/r.webm`, startedAt: sql`${at}::timestamptz`, publishedAt: new Date() })),
        ),
      );
    } finally {
      await db.close();
    }
    // Newest first; within the same millisecond by id, descending.
    const tied = ids.slice(1, 4).sort().reverse();
    const expected = [ids[0], ...tied, ids[4]];

    for (const list of [`/organizations/${tenant.organizationId}/recordings`, `/public/organizations/${slug}/recordings`]) {
      const seen: string[] = [];
      let before: string | null = null;
      for (let pages = 0; pages < 5; pages++) {
        const res: { status: number; body: any } = await api('GET', `${list}?limit=2${before ? `&before=${before}` : ''}`, { token: tenant.token });
        expect(res.status).toBe(200);
        seen.push(...res.body.recordings.map((r: { id: string }) => r.id));
        before = res.body.nextCursor;
        if (!before) break;
      }
      expect(seen).toEqual(expected);
      // Bad input gets a clear 400 and changes nothing.
      expect(await api('GET', `${list}?before=bm90LWEtY3Vyc29y`, { token: tenant.token })).toMatchObject({ status: 400, body: { error: { code: 'invalid_cursor' } } });
      for (const limit of ['0', '101', 'ten']) expect((await api('GET', `${list}?limit=${limit}`, { token: tenant.token })).status).toBe(400);
    }
    // A stranger's list with this tenant's cursor shows none of its recordings.
    const first = await api('GET', `/organizations/${tenant.organizationId}/recordings?limit=1`, { token: tenant.token });
    const stranger = await roomTenant('vod-pages-stranger');
    const theirs = await api('GET', `/organizations/${stranger.organizationId}/recordings?before=${first.body.nextCursor}`, { token: stranger.token });
    expect(theirs).toMatchObject({ status: 200, body: { recordings: [], nextCursor: null } });
  });
});
