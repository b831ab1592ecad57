// A fan-out shard: holds up to a few thousand viewer sockets of one big room (hibernatable, like
// RoomDO's) so the room sends each event once per shard instead of once per socket. It owns only
// its sockets: who they are, what the room decides and says (presence, chat, moderation, limits,
// media) stays RoomDO's. The shard answers pings and undecodable frames itself with the same error
// frames as the room, reaps silent sockets, and forwards every other frame, in order (one stub,
// E-order), to the room, which answers through deliver().
import { CLOSE_CODES, ProtocolError } from '@roomcast/schema/protocol';
import { loadShardConfig, type ShardConfig } from '../../config.ts';
import type { Env } from '../../env.ts';
import { GuardedDurableObject } from '../../platform/guarded-durable-object.ts';
import { clientFingerprint } from '../client-fingerprint.ts';
import type { RoomDO } from '../room-do.ts';
import { closeSocket, send, sendError, sendRaw } from '../realtime/connection.ts';
import { decodeFrame } from '../realtime/decode.ts';
import { MAX_PENDING_PER_CLIENT, tooManyPending } from '../realtime/pending-limit.ts';
import { SHARD_HEADER, type ShardOp } from './shard-link.ts';

/** How many heartbeat intervals a socket may stay silent before the shard drops it (as the room does). */
const STALE_AFTER_HEARTBEATS = 3;

type ShardAttachment =
  | { phase: 'pending'; id: string; connectedAt: number; lastSeen: number; clientFp?: string | undefined }
  | { phase: 'joined'; id: string; connectedAt: number; lastSeen: number; clientFp?: string | undefined; identity: string }
  | { phase: 'closed'; id: string; connectedAt: number; lastSeen: number };

export class RoomShardDO extends GuardedDurableObject<Env> {
  readonly #config: ShardConfig;
  /** The shard's sockets by id; rebuilt from the runtime after a wake. */
  #sockets: Map<string, { ws: WebSocket; att: ShardAttachment }> | undefined;
  readonly #persistedAt = new WeakMap<WebSocket, number>();
  /** One stub for every call to the room: calls on one stub arrive in order (E-order). */
  #roomStub: { stub: DurableObjectStub<RoomDO>; index: number } | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = loadShardConfig(env);
    this.alarmRetryMs = this.#config.room.heartbeatMs;
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS shard_meta (room_id TEXT NOT NULL, shard INTEGER NOT NULL)`);
  }

  /** The Worker hands a viewer's upgrade here after the room named this shard. */
  protected async onFetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    const [roomId, index] = (request.headers.get(SHARD_HEADER) ?? '').split(' ');
    if (!roomId || index === undefined || !/^\d+$/.test(index)) return new Response('not a shard upgrade', { status: 400 });
    this.#bind(roomId, Number(index));
    const clientFp = await clientFingerprint(this.#config.roomTokenSecret, request.headers.get('cf-connecting-ip'));
    if (tooManyPending([...this.#live().values()].map((s) => s.att), clientFp)) {
      const error = { code: 'rate_limited', message: `At most ${MAX_PENDING_PER_CLIENT} connections per client may wait for hello` };
      return Response.json({ error }, { status: 429 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    const id = crypto.randomUUID();
    this.ctx.acceptWebSocket(server, [id]);
    const now = Date.now();
    this.#set(server, { phase: 'pending', id, connectedAt: now, lastSeen: now, clientFp });
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null) await this.ctx.storage.setAlarm(now + this.#config.room.heartbeatMs);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The room's frames, joins and closes for this shard's sockets, in the order the room made them. */
  async deliver(ops: ShardOp[]): Promise<void> {
    const live = this.#live();
    for (const op of ops) {
      if (op.op === 'send') {
        if (op.to === 'all') {
          for (const { ws, att } of live.values()) if (att.phase === 'joined') sendRaw(ws, op.frame);
        } else {
          for (const id of op.to) {
            const s = live.get(id);
            if (s) sendRaw(s.ws, op.frame);
          }
        }
      } else if (op.op === 'joined') {
        const s = live.get(op.socket);
        if (s && s.att.phase === 'pending') this.#set(s.ws, { ...s.att, phase: 'joined', identity: op.identity });
      } else {
        const s = live.get(op.socket);
        if (s) {
          this.#set(s.ws, { phase: 'closed', id: s.att.id, connectedAt: s.att.connectedAt, lastSeen: s.att.lastSeen });
          closeSocket(s.ws, op.code, op.reason);
        }
      }
    }
  }

  protected async onMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const entry = this.#entryOf(ws);
    if (!entry || entry.att.phase === 'closed') return;
    const att = entry.att;
    const now = Date.now();
    att.lastSeen = now;
    const decoded = decodeFrame(data);
    if (!decoded.ok) return this.#refuse(ws, att, decoded.error, decoded.id);
    const message = decoded.message;
    if (message.type === 'ping') {
      this.#persistLastSeen(ws, att);
      return send(ws, { type: 'pong', ts: message.ts, serverTime: now });
    }
    if (att.phase === 'pending' && message.type !== 'hello') return this.#refuse(ws, att, new ProtocolError('hello_required', 'Send hello first'), message.id);
    const room = this.#room();
    if (!room) return this.#refuse(ws, att, new ProtocolError('internal', 'This shard has no room'), message.id);
    const frame = typeof data === 'string' ? data : new TextDecoder().decode(data);
    const { id, clientFp, phase } = att;
    await this.#sendToRoom(() => room.stub.shardFrame(room.index, id, clientFp, frame, phase === 'pending'));
  }

  protected async onClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    const entry = this.#entryOf(ws);
    closeSocket(ws);
    if (!entry) return;
    const { att } = entry;
    this.#live().delete(att.id);
    if (att.phase === 'closed') return;
    const room = this.#room();
    if (room) await this.#sendToRoom(() => room.stub.shardSocketGone(room.index, att.id, code, reason));
  }

  /** Reaps sockets that never said hello or went silent, as the room does with its own. */
  protected async onAlarm(): Promise<void> {
    const now = Date.now();
    const { heartbeatMs } = this.#config.room;
    for (const { ws, att } of [...this.#live().values()]) {
      if (att.phase === 'pending' && now - att.connectedAt > heartbeatMs) {
        sendError(ws, 'hello_required', 'No hello in time');
        await this.#closeAndTell(ws, att, CLOSE_CODES.policy, 'hello_required');
      } else if (att.phase === 'joined' && now - att.lastSeen > STALE_AFTER_HEARTBEATS * heartbeatMs) {
        await this.#closeAndTell(ws, att, CLOSE_CODES.stale, 'no heartbeat');
      }
    }
    if (this.#live().size > 0) await this.ctx.storage.setAlarm(now + heartbeatMs);
  }

  /** The same error frames (and closes) the room gives for the same frames. */
  #refuse(ws: WebSocket, att: ShardAttachment, error: ProtocolError, id: string | undefined): void {
    sendError(ws, error.code, error.message, id);
    if (error.close !== undefined) {
      this.#set(ws, { phase: 'closed', id: att.id, connectedAt: att.connectedAt, lastSeen: att.lastSeen });
      closeSocket(ws, error.close, error.code);
      const room = this.#room();
      if (room) void this.#sendToRoom(() => room.stub.shardSocketGone(room.index, att.id, error.close!, error.code));
    }
  }

  async #closeAndTell(ws: WebSocket, att: ShardAttachment, code: number, reason: string): Promise<void> {
    this.#set(ws, { phase: 'closed', id: att.id, connectedAt: att.connectedAt, lastSeen: att.lastSeen });
    closeSocket(ws, code, reason);
    const room = this.#room();
    if (room) await this.#sendToRoom(() => room.stub.shardSocketGone(room.index, att.id, code, reason));
  }

  /** A failed call breaks the stub for good: the next call gets a new one. */
  async #sendToRoom(call: () => Promise<unknown>): Promise<void> {
    const room = this.#roomStub;
    try {
      await call();
    } catch (error) {
      console.error('shard: call to the room failed', error);
      if (this.#roomStub === room) this.#roomStub = undefined;
    }
  }

  #bind(roomId: string, index: number): void {
    const sql = this.ctx.storage.sql;
    if (sql.exec(`SELECT count(*) AS n FROM shard_meta`).one().n === 0) sql.exec(`INSERT INTO shard_meta (room_id, shard) VALUES (?, ?)`, roomId, index);
  }

  #room(): { stub: DurableObjectStub<RoomDO>; index: number } | undefined {
    if (this.#roomStub) return this.#roomStub;
    const row = this.ctx.storage.sql.exec<{ room_id: string; shard: number }>(`SELECT room_id, shard FROM shard_meta`).toArray()[0];
    if (!row) return undefined;
    const ns = this.env.ROOM as unknown as DurableObjectNamespace<RoomDO>;
    return (this.#roomStub = { stub: ns.get(ns.idFromName(row.room_id)), index: row.shard });
  }

  #live(): Map<string, { ws: WebSocket; att: ShardAttachment }> {
    if (!this.#sockets) {
      this.#sockets = new Map();
      for (const ws of this.ctx.getWebSockets()) {
        const att = ws.deserializeAttachment() as ShardAttachment | null;
        if (att && att.phase !== 'closed') this.#sockets.set(att.id, { ws, att });
      }
    }
    return this.#sockets;
  }

  #entryOf(ws: WebSocket): { ws: WebSocket; att: ShardAttachment } | undefined {
    const att = ws.deserializeAttachment() as ShardAttachment | null;
    return att ? this.#live().get(att.id) : undefined;
  }

  #set(ws: WebSocket, att: ShardAttachment): void {
    try {
      ws.serializeAttachment(att);
    } catch {
      // Already closed: only the in-memory view matters now.
    }
    if (att.phase === 'closed') this.#live().delete(att.id);
    else this.#live().set(att.id, { ws, att });
  }

  #persistLastSeen(ws: WebSocket, att: ShardAttachment): void {
    const persisted = this.#persistedAt.get(ws) ?? att.connectedAt;
    // At most once per heartbeat, as the room does (SocketRegistry.persistLastSeen).
    if (att.lastSeen - persisted > this.#config.room.heartbeatMs) {
      ws.serializeAttachment(att);
      this.#persistedAt.set(ws, att.lastSeen);
    }
  }
}
