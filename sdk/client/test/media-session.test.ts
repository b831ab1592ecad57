// "Media is rebuilding" has one owner, the media session: the room's `media.reset` starts it, the
// room's next `media.status` ready (or a fresh socket) ends it. The room client only reads it.
import { describe, expect, it } from 'vitest';
import { MediaSession } from '../src/media-session.ts';

/** A room that never answers: the session's start stays in flight, nothing else happens. */
const session = () => new MediaSession({ request: () => new Promise<never>(() => {}), selfIdentity: 'me', receive: true, publish: false });

describe('media session: rebuilding', () => {
  it('rebuilds from media.reset until the room says ready again', () => {
    const media = session();
    media.handle({ type: 'media.status', state: 'ready' });
    expect(media.snapshot().rebuilding).toBe(false);
    media.handle({ type: 'media.reset', reason: 'node_lost' });
    expect(media.snapshot()).toMatchObject({ rebuilding: true, status: 'placing' });
    media.handle({ type: 'media.status', state: 'placing' });
    expect(media.snapshot().rebuilding).toBe(true);
    media.handle({ type: 'media.status', state: 'ready' });
    expect(media.snapshot().rebuilding).toBe(false);
  });

  it('reports rebuilding already to the listener that sees the teardown', () => {
    const media = session();
    const seen: boolean[] = [];
    media.subscribe(() => seen.push(media.snapshot().rebuilding));
    media.handle({ type: 'media.reset', reason: 'node_lost' });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every(Boolean)).toBe(true);
  });

  it('stops rebuilding when the socket came back (the socket state takes over)', () => {
    const media = session();
    media.handle({ type: 'media.reset', reason: 'node_lost' });
    media.reconnected();
    expect(media.snapshot()).toMatchObject({ rebuilding: false, status: 'unknown' });
  });
});

describe('media session: unavailable media', () => {
  it('says the host has not started yet when the room is not live, and names other reasons', () => {
    const media = session();
    media.handle({ type: 'media.status', state: 'unavailable', error: 'room_not_live' });
    expect(media.snapshot().error).toBe('The host has not started the room yet.');
    media.handle({ type: 'media.status', state: 'unavailable', error: 'no_media_capacity' });
    expect(media.snapshot().error).toBe('No media server is available right now (no_media_capacity)');
    media.handle({ type: 'media.status', state: 'placing' });
    expect(media.snapshot().error).toBeUndefined();
  });
});
