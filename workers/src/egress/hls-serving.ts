// GET /hls/{room}/index.m3u8, /hls/{room}/{run}.m3u8 and /hls/{room}/{run}/{init.mp4 | segN.m4s}
// (and the same under /hls/{room}/t/{playToken}/ for members-only rooms): a room's HLS, served from
// the object store. `{run}.m3u8` is one run's playlist, whatever runs now: an HLS recording (hls-vod.ts).
// The room's playlist is its current (or last) run's, with each URI rewritten to name the run, so
// every segment URL is unique to its bytes and cacheable forever, while the playlist itself is
// cached for at most a second while live. A run that outlived its node is its legs joined
// (hls-legs.ts), whose files carry an `lN-` prefix. A public room's HLS is public; any other room's needs a
// play token for that room (play-token.ts); without one it does not exist (404), like the room.
import { Hono, type Context } from 'hono';
import { sql } from 'drizzle-orm';
import { isUuid } from '../auth/tokens.ts';
import type { AppEnv } from '../http.ts';
import { roomStub } from '../rooms/room-stub.ts';
import { HLS_JOINED_PLAYLIST_FILE, readRunPlaylist } from './hls-legs.ts';
import { HLS_PLAYLIST_FILE } from './hls-vod.ts';
import { hlsKeyPrefix } from '../storage/object-keys.ts';
import { ObjectStore } from '../storage/object-store.ts';
import { verifyPlayToken } from './play-token.ts';

export const hlsServing = new Hono<AppEnv>();

/** While a run is live: a player polls the playlist every segment (1 s); a CDN may hold it that long. */
export const LIVE_PLAYLIST_CACHE = 'public, max-age=1';
/** An ended run's playlist is final, but a new run may start under the same room URL. */
export const ENDED_PLAYLIST_CACHE = 'public, max-age=30';
export const SEGMENT_CACHE = 'public, max-age=31536000, immutable';
const SEGMENT_FILE = /^(l\d{1,2}-)?(init\.mp4|seg\d{1,7}\.m4s)$/;
const RUN_PLAYLIST = /^([0-9a-f-]{36})\.m3u8$/;

interface RoomRow {
  organization_id: string;
  visibility: string;
}

const refuse = (c: Context<AppEnv>, status: 404 | 503, code: string, message: string) =>
  c.json({ error: { code, message } }, status, { 'access-control-allow-origin': '*', 'cache-control': 'no-store' });

/** The room's tenant, if the caller may watch its HLS (public, or a valid play token). */
async function authorize(c: Context<AppEnv>, roomId: string, token: string | undefined): Promise<RoomRow | null> {
  if (!isUuid(roomId)) return null;
  const row = await c.var.db.global(async (tx) => (await tx.execute<RoomRow & Record<string, unknown>>(sql`select * from app_find_room_by_id(${roomId})`)).rows[0]);
  if (!row) return null;
  if (row.visibility === 'public') return row;
  return token && (await verifyPlayToken(c.var.config.roomTokenSecret, token, roomId)) ? row : null;
}

/** Rewrites the run's relative URIs (segments and the init segment) to `{run}/...`. */
export function rewritePlaylist(playlist: string, hlsId: string): string {
  return playlist
    .split('\n')
    .map((line) => {
      if (line.startsWith('#EXT-X-MAP:')) return line.replace(/URI="([^"/]+)"/, `URI="${hlsId}/$1"`);
      if (line.trim() === '' || line.startsWith('#')) return line;
      return `${hlsId}/${line.trim()}`;
    })
    .join('\n');
}

async function playlist(c: Context<AppEnv>, roomId: string, token: string | undefined) {
  const room = await authorize(c, roomId, token);
  if (!room) return refuse(c, 404, 'not_found', 'No HLS for this room');
  if (!c.var.config.storage) return refuse(c, 503, 'storage_unavailable', 'Object storage is not configured');
  const info = await roomStub(c.env, roomId).hlsInfo();
  if (!info) return refuse(c, 404, 'not_found', 'No HLS for this room');
  const live = info.hls.state === 'starting' || info.hls.state === 'live';
  const text = await readRunPlaylist(new ObjectStore(c.var.config.storage), info.keyPrefix, info.legs, { ended: !live && info.legs > 1 });
  // Started, but the first segment is not in the store yet: players retry.
  if (text === null) return refuse(c, 404, 'not_found', 'The HLS playlist is not ready yet');
  return c.body(rewritePlaylist(text, info.hls.id), 200, {
    'content-type': 'application/vnd.apple.mpegurl',
    'cache-control': live ? LIVE_PLAYLIST_CACHE : ENDED_PLAYLIST_CACHE,
    'access-control-allow-origin': '*',
  });
}

/** One run's playlist (`{run}.m3u8`), live or ended: its URIs resolve to the run's segment paths. */
async function runPlaylist(c: Context<AppEnv>, roomId: string, file: string, token: string | undefined) {
  const hlsId = RUN_PLAYLIST.exec(file)?.[1];
  if (!hlsId || !isUuid(hlsId)) return refuse(c, 404, 'not_found', 'No such HLS file');
  const room = await authorize(c, roomId, token);
  if (!room) return refuse(c, 404, 'not_found', 'No HLS for this room');
  if (!c.var.config.storage) return refuse(c, 503, 'storage_unavailable', 'Object storage is not configured');
  const store = new ObjectStore(c.var.config.storage);
  const prefix = hlsKeyPrefix(room.organization_id, roomId, hlsId);
  const read = async (file: string) => {
    const object = await store.get(`${prefix}${file}`);
    return object ? new TextDecoder().decode(await object.arrayBuffer()) : null;
  };
  // The run's own playlist, ended, is the common case: one read. A playlist left without an end
  // may be a first leg cut off by a lost node, whose run then has its legs joined (hls-legs.ts).
  const own = await read(HLS_PLAYLIST_FILE);
  const text = own?.includes('#EXT-X-ENDLIST') ? own : ((await read(HLS_JOINED_PLAYLIST_FILE)) ?? own);
  if (text === null) return refuse(c, 404, 'not_found', 'No such HLS run');
  return c.body(rewritePlaylist(text, hlsId), 200, {
    'content-type': 'application/vnd.apple.mpegurl',
    'cache-control': text.includes('#EXT-X-ENDLIST') ? ENDED_PLAYLIST_CACHE : LIVE_PLAYLIST_CACHE,
    'access-control-allow-origin': '*',
  });
}

async function segment(c: Context<AppEnv>, roomId: string, hlsId: string, file: string, token: string | undefined) {
  if (!isUuid(hlsId) || !SEGMENT_FILE.test(file)) return refuse(c, 404, 'not_found', 'No such HLS file');
  const room = await authorize(c, roomId, token);
  if (!room) return refuse(c, 404, 'not_found', 'No HLS for this room');
  if (!c.var.config.storage) return refuse(c, 503, 'storage_unavailable', 'Object storage is not configured');
  const object = await new ObjectStore(c.var.config.storage).get(`${hlsKeyPrefix(room.organization_id, roomId, hlsId)}${file}`);
  if (!object) return refuse(c, 404, 'not_found', 'No such HLS file');
  const length = object.headers.get('content-length');
  return c.body(object.body ?? new ArrayBuffer(0), 200, {
    'content-type': file.endsWith('.m4s') ? 'video/iso.segment' : 'video/mp4',
    ...(length ? { 'content-length': length } : {}),
    'cache-control': SEGMENT_CACHE,
    'access-control-allow-origin': '*',
  });
}

hlsServing.get('/:room/index.m3u8', (c) => playlist(c, c.req.param('room'), undefined));
hlsServing.get('/:room/t/:token/index.m3u8', (c) => playlist(c, c.req.param('room'), c.req.param('token')));
hlsServing.get('/:room/t/:token/:file', (c) => runPlaylist(c, c.req.param('room'), c.req.param('file'), c.req.param('token')));
hlsServing.get('/:room/:file', (c) => runPlaylist(c, c.req.param('room'), c.req.param('file'), undefined));
hlsServing.get('/:room/t/:token/:run/:file', (c) => segment(c, c.req.param('room'), c.req.param('run'), c.req.param('file'), c.req.param('token')));
hlsServing.get('/:room/:run/:file', (c) => segment(c, c.req.param('room'), c.req.param('run'), c.req.param('file'), undefined));
