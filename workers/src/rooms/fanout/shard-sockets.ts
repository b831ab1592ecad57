// RoomDO's side of the fan-out shards. A viewer socket held by a shard is represented in the room
// by a ShardSocket: it has the part of the WebSocket interface the room's handlers use (send,
// close, attachments), so presence, chat, moderation, limits and media treat it like any other
// socket, and the registry (socket-registry.ts) lists it with the rest. What the room sends it is
// queued per shard and delivered in order, one call per shard per handler turn; frames for many
// sockets of a shard travel once. Attachments live in the room's SQLite (the runtime keeps them only for
// sockets the room holds itself), so the room finds its shard sockets again after eviction.
import { CLOSE_CODES } from '@roomcast/schema/protocol';
import type { Attachment } from '../realtime/connection.ts';
import type { RoomShardDO } from './room-shard-do.ts';
import { shardName, type ShardOp } from './shard-link.ts';

export class ShardSocket {
  constructor(
    readonly id: string,
    readonly shard: number,
    private readonly owner: ShardSockets,
  ) {}

  send(frame: string): void {
    this.owner.enqueueFrame(this, frame);
  }

  close(code: number = CLOSE_CODES.normal, reason = ''): void {
    this.owner.enqueue(this.shard, { op: 'close', socket: this.id, code, reason });
  }

  serializeAttachment(att: unknown): void {
    this.owner.store(this, att as Attachment);
  }

  deserializeAttachment(): Attachment | null {
    return this.owner.load(this.id);
  }
}

/** The registry holds sockets as WebSocket; a ShardSocket stands in for one. */
export const asWebSocket = (socket: ShardSocket) => socket as unknown as WebSocket;
export const isShardSocket = (ws: unknown): ws is ShardSocket => ws instanceof ShardSocket;

export class ShardSockets {
  readonly #sockets = new Map<string, ShardSocket>();
  /** Joined socket ids per shard: a frame for all of them goes as 'all'. */
  readonly #joined = new Map<number, Set<string>>();
  readonly #outbox = new Map<number, ShardOp[]>();
  readonly #stubs = new Map<number, DurableObjectStub<RoomShardDO>>();
  /** Per shard, when each socket sent there but not yet heard from stops counting (in memory). */
  readonly #reserved = new Map<number, number[]>();
  /** Per client fingerprint, the same expiries: sockets sent to shards still waiting for hello. */
  readonly #reservedFrom = new Map<string, number[]>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly namespace: DurableObjectNamespace<RoomShardDO>,
    private readonly roomId: () => string | null,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS shard_sockets (id TEXT PRIMARY KEY, shard INTEGER NOT NULL, attachment TEXT NOT NULL)`);
  }

  /** The stand-in for a shard's socket (the same object for the same id while the room is awake). */
  socket(id: string, shard: number): ShardSocket {
    let socket = this.#sockets.get(id);
    if (!socket) this.#sockets.set(id, (socket = new ShardSocket(id, shard, this)));
    return socket;
  }

  /** Every shard socket the room knows, for the registry to rebuild from after a wake. */
  stored(): [ShardSocket, Attachment][] {
    return this.sql
      .exec<{ id: string; shard: number; attachment: string }>(`SELECT id, shard, attachment FROM shard_sockets`)
      .toArray()
      .map((r) => {
        const socket = this.socket(r.id, r.shard);
        const att = JSON.parse(r.attachment) as Attachment;
        if (att.phase === 'joined') this.#joinedOf(r.shard).add(r.id);
        return [socket, att];
      });
  }

  /** Whether any viewer is on a shard (the room then counts as large for presence). */
  inUse(): boolean {
    return this.sql.exec(`SELECT 1 FROM shard_sockets LIMIT 1`).toArray().length > 0;
  }

  /**
   * Sockets per shard index: those the room knows (they said hello) plus those it sent there that
   * have not said hello yet, so a burst of joins spreads over shards instead of filling one.
   */
  counts(now: number): number[] {
    const counts: number[] = [];
    for (const r of this.sql.exec<{ shard: number; n: number }>(`SELECT shard, count(*) AS n FROM shard_sockets GROUP BY shard`)) counts[r.shard] = r.n;
    for (const [shard, expiries] of this.#reserved) {
      const live = expiries.filter((t) => t > now);
      this.#reserved.set(shard, live);
      counts[shard] = (counts[shard] ?? 0) + live.length;
    }
    return Array.from(counts, (n) => n ?? 0);
  }

  /** The room sent a socket to `shard`; it counts there until its hello arrives or `until`. */
  reserve(shard: number, until: number, clientFp: string | undefined): void {
    const expiries = this.#reserved.get(shard) ?? [];
    expiries.push(until);
    this.#reserved.set(shard, expiries);
    if (clientFp) this.#reservedFrom.set(clientFp, [...(this.#reservedFrom.get(clientFp) ?? []), until]);
  }

  /** A socket sent to `shard` said hello: it now counts as known, not as reserved. */
  arrived(shard: number, clientFp: string | undefined): void {
    this.#reserved.get(shard)?.shift();
    if (clientFp) this.#reservedFrom.get(clientFp)?.shift();
  }

  /**
   * Sockets from this client the room sent to shards that have not said hello yet: they count
   * against the room's pending-sockets-per-client cap, so spreading them over shards does not
   * multiply it.
   */
  pendingFrom(clientFp: string | undefined, now: number): number {
    if (!clientFp) return 0;
    const live = (this.#reservedFrom.get(clientFp) ?? []).filter((t) => t > now);
    if (live.length === 0) this.#reservedFrom.delete(clientFp);
    else this.#reservedFrom.set(clientFp, live);
    return live.length;
  }

  load(id: string): Attachment | null {
    const row = this.sql.exec<{ attachment: string }>(`SELECT attachment FROM shard_sockets WHERE id = ?`, id).toArray()[0];
    return row ? (JSON.parse(row.attachment) as Attachment) : null;
  }

  store(socket: ShardSocket, att: Attachment): void {
    const joined = this.#joinedOf(socket.shard);
    if (att.phase === 'closed') {
      this.forget(socket);
      return;
    }
    this.sql.exec(`INSERT OR REPLACE INTO shard_sockets (id, shard, attachment) VALUES (?, ?, ?)`, socket.id, socket.shard, JSON.stringify(att));
    if (att.phase === 'joined' && !joined.has(socket.id)) {
      joined.add(socket.id);
      // The shard learns who the socket is before any frame that assumes it has joined.
      this.enqueue(socket.shard, { op: 'joined', socket: socket.id, identity: att.identity, role: att.role });
    }
  }

  forget(socket: ShardSocket): void {
    this.sql.exec(`DELETE FROM shard_sockets WHERE id = ?`, socket.id);
    this.#joinedOf(socket.shard).delete(socket.id);
    this.#sockets.delete(socket.id);
  }

  /** Consecutive sends of one frame (a broadcast) become one op naming every recipient. */
  enqueueFrame(socket: ShardSocket, frame: string): void {
    const ops = this.#opsOf(socket.shard);
    const last = ops.at(-1);
    if (last?.op === 'send' && last.frame === frame && last.to !== 'all') last.to.push(socket.id);
    else this.enqueue(socket.shard, { op: 'send', frame, to: [socket.id] });
  }

  enqueue(shard: number, op: ShardOp): void {
    const ops = this.#opsOf(shard);
    ops.push(op);
    // After the current handler's synchronous sends (a whole broadcast), not per frame.
    if (ops.length === 1) queueMicrotask(() => this.#flush(shard));
  }

  /**
   * Calls on one stub are delivered in the order they are made (Durable Objects' E-order), so
   * batches go out without waiting for each other. A stub that failed is broken for good: the next
   * batch gets a new one (what the failed call carried is lost, as frames to a dropped socket are).
   */
  #flush(shard: number): void {
    const ops = this.#outbox.get(shard);
    const roomId = this.roomId();
    if (!ops || ops.length === 0 || !roomId) return;
    this.#outbox.delete(shard);
    const joined = this.#joinedOf(shard);
    for (const op of ops) {
      if (op.op === 'send' && op.to !== 'all' && op.to.length === joined.size && op.to.every((id) => joined.has(id))) op.to = 'all';
    }
    const stub = this.#stub(roomId, shard);
    stub.deliver(ops).catch((error: unknown) => {
      console.error(`room: delivery to shard ${shard} failed`, error);
      if (this.#stubs.get(shard) === stub) this.#stubs.delete(shard);
    });
  }

  #stub(roomId: string, shard: number): DurableObjectStub<RoomShardDO> {
    let stub = this.#stubs.get(shard);
    if (!stub) this.#stubs.set(shard, (stub = this.namespace.get(this.namespace.idFromName(shardName(roomId, shard)))));
    return stub;
  }

  #opsOf(shard: number): ShardOp[] {
    let ops = this.#outbox.get(shard);
    if (!ops) this.#outbox.set(shard, (ops = []));
    return ops;
  }

  #joinedOf(shard: number): Set<string> {
    let set = this.#joined.get(shard);
    if (!set) this.#joined.set(shard, (set = new Set()));
    return set;
  }
}
