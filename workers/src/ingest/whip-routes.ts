// The WHIP endpoint (RFC 9725). An encoder POSTs its SDP offer with `Authorization: Bearer
// <stream key>`; the key names the room. The room's session goes live if it was not (the encoder
// is the room's host), the RoomDO turns the offer into producers on the room's media node
// (rooms/media/ingest-publisher.ts), and the answer comes back as 201 with the session URL in
// Location. The session URL carries an unguessable id: DELETE ends the session, PATCH trickles
// candidates or restarts ICE. Errors keep the API's JSON shape.
import { Hono, type Context } from 'hono';
import { eq, sql } from 'drizzle-orm';
import { ingestKeys } from '@roomcast/schema/db';
import { randomToken } from '../auth/crypto.ts';
import { isUuid } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { Database } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import type { AppEnv } from '../http.ts';
import { limitAnonymousRate } from '../platform/api-rate-limit.ts';
import { fleetStub } from '../fleet/fleet-do.ts';
import { announceRecording } from '../recordings/open-recording.ts';
import { roomStub } from '../rooms/room-stub.ts';
import { mintIceServers } from '../rooms/turn-credentials.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';
import { openEncoderSession } from './encoder-session.ts';
import { publicSessionId, recordIngestEnded } from './ingest-state.ts';
import { verifyStreamKey } from './stream-key.ts';
import { checkWhipOffer, MAX_OFFER_BYTES, readSdpFragment, restartFragment, SdpError } from './whip-sdp.ts';

export const whipRoutes = new Hono<AppEnv>();

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const ENDPOINT_METHODS = 'POST, OPTIONS';
const SESSION_METHODS = 'PATCH, DELETE, OPTIONS';

// Browser WHIP clients run on other origins (RFC 9725 section 4.7): the stream key, not a cookie,
// is the credential, so any origin may call.
whipRoutes.use('*', async (c, next) => {
  await next();
  c.res.headers.set('Access-Control-Allow-Origin', '*');
  c.res.headers.set('Access-Control-Expose-Headers', 'Location, ETag, Link, Accept-Patch, Retry-After');
});

const whipError = (status: 400 | 401 | 403 | 404 | 405 | 406 | 409 | 412 | 413 | 415 | 503, code: string, message: string) => new ApiError(status, code, message);


const sessionUrl = (c: Context<AppEnv>, roomId: string, sessionId: string) =>
  `${new URL(c.var.config.publicUrl ?? c.req.url).origin}/api/v1/ingest/whip/${roomId}/${sessionId}`;

function requireContentType(c: Context<AppEnv>, expected: string) {
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== expected) throw whipError(415, 'unsupported_media_type', `Send the body as ${expected}`);
}

async function readBody(c: Context<AppEnv>): Promise<string> {
  // Bytes, decoded here: workerd warns when .text() reads a body that is not text/* or JSON.
  const bytes = await c.req.arrayBuffer();
  if (bytes.byteLength > MAX_OFFER_BYTES) throw whipError(413, 'payload_too_large', `At most ${MAX_OFFER_BYTES} bytes`);
  const body = new TextDecoder().decode(bytes);
  if (body.length > MAX_OFFER_BYTES) throw whipError(413, 'payload_too_large', `At most ${MAX_OFFER_BYTES} bytes`);
  return body;
}

// ── The endpoint ──────────────────────────────────────────────────────────────

whipRoutes.options('/whip', async (c) => {
  c.header('Allow', ENDPOINT_METHODS);
  c.header('Access-Control-Allow-Methods', ENDPOINT_METHODS);
  c.header('Access-Control-Allow-Headers', 'Authorization, Content-Type');
  c.header('Access-Control-Max-Age', '86400');
  c.header('Accept-Post', 'application/sdp');
  return c.body(null, 204);
});

whipRoutes.post('/whip', async (c) => {
  const config = c.var.config;
  const bearer = /^Bearer (\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  const key = bearer ? await verifyStreamKey(c.var.db, bearer) : undefined;
  if (!key) {
    // A wrong key cost a database lookup: it spends the client network's anonymous budget (429 past it).
    await limitAnonymousRate(c);
    c.header('WWW-Authenticate', 'Bearer realm="whip"');
    throw whipError(401, 'invalid_stream_key', 'Send the room stream key as a Bearer token');
  }
  requireContentType(c, 'application/sdp');
  const offer = await readBody(c);
  try {
    checkWhipOffer(offer);
  } catch (error) {
    if (error instanceof SdpError) throw whipError(error.status, error.code, error.message);
    throw error;
  }

  // The encoder is the room's host: it goes live like the host's Go live (trial and plan checked).
  const { session, started, recording } = await openEncoderSession(c.var.db, config, key);
  if (recording) await announceRecording(c.env, recording);

  const sessionId = randomToken(32);
  const result = await roomStub(c.env, key.roomId).whipOffer({ roomId: key.roomId, organizationId: key.organizationId, roomSessionId: session.id, sessionId, offer });
  const at = new Date();
  if (!result.ok) {
    // The encoder's mistake stays visible in the room page until the next good connection.
    await c.var.db.scoped({ organizationId: key.organizationId }, (tx) =>
      tx.update(ingestKeys).set({ lastError: result.message, lastErrorCode: result.code }).where(eq(ingestKeys.id, key.keyId)),
    );
    if (started) await wakeWebhookDelivery(key.organizationId);
    if (result.retryAfterSeconds) c.header('Retry-After', String(result.retryAfterSeconds));
    throw whipError(result.status, result.code, result.message);
  }
  // The encoder is answered first (its media can flow meanwhile); the state and the webhooks are
  // written after, on a connection of their own (the request's closes with the response).
  c.executionCtx.waitUntil(
    afterResponse(config, async (db) => {
      await db.scoped({ organizationId: key.organizationId }, async (tx) => {
        await tx.update(ingestKeys).set({ state: 'live', protocol: 'whip', lastError: null, lastErrorCode: null, stateChangedAt: at }).where(eq(ingestKeys.id, key.keyId));
        if (result.replacedRtmp) {
          await fleetStub(c.env).closeRtmp(result.replacedRtmp, 'replaced');
          await emitWebhookEvent(tx, key.organizationId, 'ingest.disconnected', { ingest: { id: await publicSessionId(result.replacedRtmp, 'rtmp'), roomId: key.roomId, protocol: 'rtmp' }, at: at.toISOString(), reason: 'replaced' }, at);
        }
        for (const old of result.replaced) {
          await emitWebhookEvent(tx, key.organizationId, 'ingest.disconnected', { ingest: { id: await publicSessionId(old), roomId: key.roomId, protocol: 'whip' }, at: at.toISOString(), reason: 'replaced' }, at);
        }
        await emitWebhookEvent(tx, key.organizationId, 'ingest.connected', { ingest: { id: await publicSessionId(sessionId), roomId: key.roomId, protocol: 'whip' }, at: at.toISOString() }, at);
      });
      await wakeWebhookDelivery(key.organizationId);
    }),
  );

  c.header('Location', sessionUrl(c, key.roomId, sessionId));
  c.header('ETag', result.etag);
  c.header('Accept-Patch', 'application/trickle-ice-sdpfrag');
  // TURN for encoders behind strict firewalls (RFC 9725 section 4.6), minted like a participant's.
  if (config.turn) {
    const links = (await mintIceServers(config.turn, `ingest:${key.roomId}`)).flatMap((s) =>
      s.urls.map((url) => `<${url}>; rel="ice-server"; username="${s.username}"; credential="${s.credential}"; credential-type="password"`),
    );
    c.header('Link', links.join(', '));
  }
  return c.body(result.answer, 201, { 'Content-Type': 'application/sdp' });
});

whipRoutes.all('/whip', (c) => {
  c.header('Allow', ENDPOINT_METHODS);
  throw whipError(405, 'method_not_allowed', `${c.req.method} is not allowed here; POST an SDP offer`);
});

// ── A session ─────────────────────────────────────────────────────────────────

function sessionParams(c: Context<AppEnv>) {
  const roomId = c.req.param('room') ?? '';
  const sessionId = c.req.param('session') ?? '';
  if (!isUuid(roomId) || !SESSION_ID.test(sessionId)) throw whipError(404, 'not_found', 'No such WHIP session');
  return { roomId, sessionId };
}

whipRoutes.options('/whip/:room/:session', (c) => {
  c.header('Allow', SESSION_METHODS);
  c.header('Access-Control-Allow-Methods', SESSION_METHODS);
  c.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, If-Match');
  c.header('Accept-Patch', 'application/trickle-ice-sdpfrag');
  return c.body(null, 204);
});

whipRoutes.delete('/whip/:room/:session', async (c) => {
  const { roomId, sessionId } = sessionParams(c);
  const ended = await roomStub(c.env, roomId).whipEnd(sessionId);
  if (!ended) throw whipError(404, 'not_found', 'No such WHIP session');
  await recordDisconnected(c, roomId, sessionId, 'ended');
  return c.body(null, 200);
});

whipRoutes.patch('/whip/:room/:session', async (c) => {
  const { roomId, sessionId } = sessionParams(c);
  requireContentType(c, 'application/trickle-ice-sdpfrag');
  let fragment;
  try {
    fragment = readSdpFragment(await readBody(c));
  } catch (error) {
    if (error instanceof SdpError) throw whipError(400, error.code, error.message);
    throw error;
  }
  if (!fragment.iceUfrag || !fragment.icePwd) throw whipError(400, 'invalid_sdpfrag', 'A fragment names the ICE credentials (ice-ufrag and ice-pwd)');
  // The same ufrag: trickled candidates. The node is ICE-lite and learns the encoder's address from
  // its connectivity checks, so they need no forwarding. A new ufrag: an ICE restart, answered
  // with the node's new credentials (RFC 9725 4.4.2).
  const result = await roomStub(c.env, roomId).whipPatch(sessionId, fragment.iceUfrag, c.req.header('if-match'));
  if (!result.ok) {
    if (result.status === 404) throw whipError(404, 'not_found', 'No such WHIP session');
    if (result.status === 412) throw whipError(412, 'precondition_failed', 'If-Match does not name the current ETag');
    throw new ApiError(428, 'precondition_required', 'An ICE restart needs If-Match: "*"');
  }
  if (result.kind === 'trickle') return c.body(null, 204);
  c.header('ETag', result.etag);
  return c.body(restartFragment(result.iceParameters, result.mids), 200, { 'Content-Type': 'application/trickle-ice-sdpfrag' });
});

whipRoutes.all('/whip/:room/:session', (c) => {
  c.header('Allow', SESSION_METHODS);
  throw whipError(405, 'method_not_allowed', `${c.req.method} is not allowed on a WHIP session`);
});

/** Work after the response, on its own database connection, logged (never thrown) when it fails. */
async function afterResponse(config: Config, work: (db: Database) => Promise<void>): Promise<void> {
  const db = new Database(config);
  try {
    await work(db);
  } catch (error) {
    console.error('ingest: recording the WHIP session failed', error);
  } finally {
    await db.close();
  }
}

async function recordDisconnected(c: Context<AppEnv>, roomId: string, sessionId: string, reason: string) {
  const row = await c.var.db.global(async (tx) => (await tx.execute<{ organization_id: string }>(sql`select organization_id from app_find_room_by_id(${roomId})`)).rows[0]);
  if (row) await recordIngestEnded(c.var.db, row.organization_id, roomId, [sessionId], reason);
}
