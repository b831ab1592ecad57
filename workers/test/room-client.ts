// Test helpers for the room socket: rooms on a real tenant, room tokens signed the way `join`
// signs them, and a socket client whose waits all have timeouts.
import { env, exports } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import type { RoomRole } from '@roomcast/schema';
import { participantSessions, roomSessions } from '@roomcast/schema/db';
import type { ClientMessageInput, ServerMessage } from '@roomcast/schema/protocol';
import { loadConfig } from '../src/config.ts';
import { Database } from '../src/db/database.ts';
import type { Env } from '../src/env.ts';
import { signRoomToken } from '../src/rooms/room-token.ts';
import { api, setPlan, signUp, unique, type Tenant } from './api-client.ts';

export const config = loadConfig(env as unknown as Env);

export interface TestRoom {
  tenant: Tenant;
  roomId: string;
  sessionId: string;
}

/** A tenant on Enterprise (no room limit), so every test gets a room (and a RoomDO) of its own. */
export async function roomTenant(label = 'room'): Promise<Tenant> {
  const tenant = await signUp(label);
  await setPlan(tenant, 'enterprise');
  return tenant;
}

export async function liveRoom(tenant: Tenant): Promise<TestRoom> {
  const created = await api('POST', `/organizations/${tenant.organizationId}/rooms`, {
    token: tenant.token,
    body: { workspaceId: tenant.workspaceId, title: 'Live desk', slug: unique('live') },
  });
  if (created.status !== 201) throw new Error(`create room: ${created.status} ${JSON.stringify(created.body)}`);
  const started = await api('POST', `/organizations/${tenant.organizationId}/rooms/${created.body.id}/start`, { token: tenant.token });
  if (started.status !== 201) throw new Error(`start room: ${started.status} ${JSON.stringify(started.body)}`);
  return { tenant, roomId: created.body.id, sessionId: started.body.session.id };
}

export interface Who {
  role?: RoomRole;
  identity?: string;
  name?: string;
  ttlSeconds?: number;
  roomId?: string;
  organizationId?: string;
  sessionId?: string | null;
}

export async function roomToken(room: TestRoom, who: Who = {}): Promise<string> {
  const role = who.role ?? 'viewer';
  const identity = who.identity ?? `guest:${role}-${crypto.randomUUID().slice(0, 8)}`;
  const { token } = await signRoomToken(
    config.roomTokenSecret,
    {
      identity,
      name: who.name ?? identity,
      roomId: who.roomId ?? room.roomId,
      organizationId: who.organizationId ?? room.tenant.organizationId,
      roomSessionId: who.sessionId === undefined ? room.sessionId : who.sessionId,
      userId: null,
      role,
    },
    who.ttlSeconds ?? 600,
  );
  return token;
}

export const stubFor = (roomId: string) => {
  const ns = (env as unknown as Env).ROOM;
  return ns.get(ns.idFromName(roomId));
};

type Msg = ServerMessage & Record<string, any>;
type Match = ServerMessage['type'] | ((m: Msg) => boolean);

export class RoomSocket {
  readonly received: Msg[] = [];
  #unread: Msg[] = [];
  #waiters: { match: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  #closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    this.#closed = new Promise((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })));
    ws.addEventListener('message', (e) => {
      const m = JSON.parse(e.data as string) as Msg;
      this.received.push(m);
      const i = this.#waiters.findIndex((w) => w.match(m));
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(m);
      else this.#unread.push(m);
    });
  }

  send(message: ClientMessageInput | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(frame: string | ArrayBuffer): void {
    this.ws.send(frame);
  }

  /** The next unread frame that matches, waiting up to `timeoutMs`. */
  next<T extends Msg = Msg>(match: Match, timeoutMs = 5000): Promise<T> {
    const fn = typeof match === 'string' ? (m: Msg) => m.type === match : match;
    const i = this.#unread.findIndex(fn);
    if (i >= 0) return Promise.resolve(this.#unread.splice(i, 1)[0] as T);
    return new Promise<T>((resolve, reject) => {
      const waiter = { match: fn, resolve: (m: Msg) => (clearTimeout(timer), resolve(m as T)) };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no ${typeof match === 'string' ? match : 'matching'} frame within ${timeoutMs} ms; unread: ${JSON.stringify(this.#unread.slice(-5))}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** An error frame with this code. */
  error(code: string, timeoutMs = 5000) {
    return this.next((m) => m.type === 'error' && m.code === code, timeoutMs);
  }

  /** Round-trips a ping: every frame the room sent before the pong has arrived by then. */
  async sync(): Promise<void> {
    const ts = Math.random();
    this.send({ type: 'ping', ts });
    await this.next((m) => m.type === 'pong' && m.ts === ts);
  }

  unreadOf(type: ServerMessage['type']): Msg[] {
    return this.#unread.filter((m) => m.type === type);
  }

  closed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    return withTimeout(this.#closed, timeoutMs, 'socket close');
  }

  close(code = 1000, reason = 'leave'): void {
    try {
      this.ws.close(code, reason);
    } catch {
      // already closed
    }
  }
}

export async function upgrade(roomId: string, token: string): Promise<Response> {
  return exports.default.fetch(
    new Request(`http://roomcast.test/api/v1/rooms/${roomId}/signal?token=${encodeURIComponent(token)}`, { headers: { Upgrade: 'websocket' } }),
  );
}

export async function connect(roomId: string, token: string): Promise<RoomSocket> {
  const res = await upgrade(roomId, token);
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  res.webSocket.accept();
  return new RoomSocket(res.webSocket);
}

export interface Joined {
  socket: RoomSocket;
  welcome: Msg;
  token: string;
  identity: string;
}

/** Connects, says hello and waits for the welcome. */
export async function join(room: TestRoom, who: Who = {}, resumeId?: string): Promise<Joined> {
  const identity = who.identity ?? `guest:${who.role ?? 'viewer'}-${crypto.randomUUID().slice(0, 8)}`;
  const token = await roomToken(room, { ...who, identity });
  const socket = await connect(room.roomId, token);
  socket.send({ type: 'hello', protocol: 1, token, ...(resumeId ? { resumeId } : {}) });
  const welcome = await socket.next((m) => m.type === 'welcome' || m.type === 'error');
  if (welcome.type !== 'welcome') throw new Error(`join refused: ${JSON.stringify(welcome)}`);
  return { socket, welcome, token, identity };
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export async function participantRows(room: TestRoom) {
  const db = new Database(config);
  try {
    return await db.scoped({ organizationId: room.tenant.organizationId }, (tx) =>
      tx.select().from(participantSessions).where(eq(participantSessions.roomId, room.roomId)),
    );
  } finally {
    await db.close();
  }
}

export async function roomSession(room: TestRoom) {
  const db = new Database(config);
  try {
    const [row] = await db.scoped({ organizationId: room.tenant.organizationId }, (tx) =>
      tx.select().from(roomSessions).where(and(eq(roomSessions.id, room.sessionId), eq(roomSessions.roomId, room.roomId))),
    );
    return row!;
  } finally {
    await db.close();
  }
}

let requestSeq = 0;
/** A request frame on the socket and the data of its answer; a refusal throws with the room's error. */
export async function socketRequest(socket: RoomSocket, method: string, data?: unknown) {
  const id = `q${++requestSeq}`;
  socket.send({ type: 'request', id, method, ...(data === undefined ? {} : { data }) });
  const answer = await socket.next((m) => m.type === 'response' && m.id === id, 12_000);
  if (!answer.ok) throw new Error(`${method} was refused: ${JSON.stringify(answer.error)}`);
  return answer.data;
}

/** A request frame on the socket and the room's answer as it came (ok or refused), for tests of refusals. */
export async function socketAnswer(socket: RoomSocket, method: string, data?: unknown, timeoutMs = 12_000) {
  const id = `q${++requestSeq}`;
  socket.send({ type: 'request', id, method, ...(data === undefined ? {} : { data }) });
  return socket.next((m) => m.type === 'response' && m.id === id, timeoutMs);
}

/** A host publishing a camera and a microphone through the room (a scripted node plays the engine). */
export async function publishCameraAndMic(socket: RoomSocket) {
  const transport = await socketRequest(socket, 'media.createTransport', { direction: 'send' });
  await socketRequest(socket, 'media.connectTransport', { transportId: transport.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'CC:DD' }] } });
  const camera = await socketRequest(socket, 'media.produce', {
    transportId: transport.id,
    kind: 'video',
    source: 'camera',
    rtpParameters: { mid: '0', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 1111 }] },
  });
  const mic = await socketRequest(socket, 'media.produce', {
    transportId: transport.id,
    kind: 'audio',
    source: 'microphone',
    rtpParameters: { mid: '1', codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 2222 }] },
  });
  return { camera: camera.id as string, mic: mic.id as string };
}

/** A host sharing a screen through the room on a transport of its own; answers the producer's id. */
export async function shareScreen(socket: RoomSocket, ssrc: number): Promise<string> {
  const transport = await socketRequest(socket, 'media.createTransport', { direction: 'send' });
  await socketRequest(socket, 'media.connectTransport', { transportId: transport.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'EE:FF' }] } });
  const screen = await socketRequest(socket, 'media.produce', {
    transportId: transport.id,
    kind: 'video',
    source: 'screen',
    rtpParameters: { mid: '0', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc }] },
  });
  return screen.id as string;
}

/** Polls `check` until it answers something (every 50 ms, up to `timeoutMs`). */
export async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
