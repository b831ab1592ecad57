// One RoomDO per room (named by the room id): the live hub for signaling, presence, chat, alerts
// and moderation. Sockets are hibernatable (ctx.acceptWebSocket) and carry their state in the
// attachment; chat, alerts, presence, moderation and the usage outbox live in the object's SQLite,
// so eviction loses nothing but short-lived rate-limit windows.
import { errors as joseErrors } from 'jose';
import { CLOSE_CODES, PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '@roomcast/schema/protocol';
import { grantsFor, HOST_ROLES, type Role } from '@roomcast/schema';
import { loadConfig, type Config } from '../config.ts';
import { GuardedDurableObject } from '../platform/guarded-durable-object.ts';
import type { Env } from '../env.ts';
import { clientFingerprint } from './client-fingerprint.ts';
import { isGuestIdentity, memberIdentity } from './identities.ts';
import { absentRole } from './realtime/absent-rank.ts';
import { currentClaims, seatRefusal } from './realtime/admission.ts';
import { AlertStore } from './realtime/alert-store.ts';
import { ChatLimits } from './realtime/chat-limits.ts';
import { ChatStore } from './realtime/chat-store.ts';
import { closeSocket, RoomError, send, sendError, sendRaw, type Attachment, type Joined } from './realtime/connection.ts';
import { decodeFrame } from './realtime/decode.ts';
import { LiveSession } from './media/live-session.ts';
import { budgetOf, FanoutLimits } from './realtime/fanout-limits.ts';
import { GuestClients, MAX_GUESTS_PER_CLIENT } from './realtime/guest-clients.ts';
import { MAX_PENDING_PER_CLIENT, tooManyPending } from './realtime/pending-limit.ts';
import { MediaRelay } from './media/media-relay.ts';
import { isNodeAttachment } from './media/node-link.ts';
import { hasGrant, requireGrant, requireOutranks } from './realtime/moderation.ts';
import { endRoomSession, PlanCache } from './realtime/postgres.ts';
import { PresenceStore, toParticipant, type ParticipantRow } from './realtime/presence.ts';
import { RoomStateStore } from './realtime/room-state.ts';
import { UsageOutbox } from './realtime/usage.ts';
import { verifyRoomToken, type RoomTokenClaims } from './room-token.ts';

type Of<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;
type LeaveReason = Extract<ServerMessage, { type: 'participant.left' }>['reason'];

const SIGNAL_PATH = /^\/api\/v1\/rooms\/([^/]+)\/signal$/;
const MEDIA_NODE_PATH = /^\/api\/v1\/rooms\/([^/]+)\/media-node$/;
/** How many heartbeat intervals a joined socket may stay silent before the alarm drops it. */
const STALE_AFTER_HEARTBEATS = 3;
/**
 * Above this many participants, viewers' comings and goings go only to moderators and the welcome
 * lists staff first and at most this many people: per-viewer presence to every viewer is O(N^2)
 * frames and would dominate a large room's traffic.
 */
export const PRESENCE_FANOUT_LIMIT = 200;
/** How often the count goes out in a large room (presence.count). */
export const PRESENCE_COUNT_EVERY_MS = 1000;
/** Attachments are rewritten at most this often per socket just to record activity. */
const LAST_SEEN_PERSIST_MS = 5_000;

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}

export class RoomDO extends GuardedDurableObject<Env> {
  readonly #config: Config;
  readonly #state: RoomStateStore;
  readonly #presence: PresenceStore;
  readonly #chat: ChatStore;
  readonly #alerts: AlertStore;
  readonly #usage: UsageOutbox;
  readonly #plans: PlanCache;
  readonly #limits: ChatLimits;
  readonly #fanout = new FanoutLimits();
  readonly #guests: GuestClients;
  readonly #media: MediaRelay;
  /** Live sockets and their attachments, rebuilt from the runtime after a wake. */
  #sockets: Map<WebSocket, Attachment> | undefined;
  readonly #persistedAt = new WeakMap<WebSocket, number>();
  /** A presence.count is due (large rooms). In memory: a lost one is replaced by the next change. */
  #countTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = loadConfig(env);
    this.alarmRetryMs = this.#config.room.heartbeatMs;
    const sql = ctx.storage.sql;
    this.#state = new RoomStateStore(sql);
    this.#presence = new PresenceStore(sql);
    this.#guests = new GuestClients(sql);
    this.#chat = new ChatStore(sql, this.#config.room.chatHistory);
    this.#alerts = new AlertStore(sql);
    this.#usage = new UsageOutbox(sql, this.#config);
    this.#plans = new PlanCache(this.#config);
    this.#limits = new ChatLimits(this.#config.room.chatRatePer10s);
    this.#media = new MediaRelay(ctx, env, this.#config.fleet, {
      roomId: () => this.#state.meta.room_id,
      clients: () => [...this.#live()].filter((e): e is [WebSocket, Joined] => e[1].phase === 'joined'),
      occupied: () => this.#presence.count() > 0,
      session: new LiveSession(this.#config, () => this.#state.meta),
    });
  }

  // ── Entry points ──────────────────────────────────────────────────────────────

  /** The Worker forwards the signaling upgrade here after checking the room token. */
  protected async onFetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const node = MEDIA_NODE_PATH.exec(path);
    if (node) {
      if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
      const roomId = decodeURIComponent(node[1]!);
      this.#state.bindRoom(roomId);
      return this.#media.acceptNode(request, roomId);
    }
    const match = SIGNAL_PATH.exec(path);
    if (!match) return new Response('not found', { status: 404 });
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    const clientFp = await clientFingerprint(this.#config.roomTokenSecret, request.headers.get('cf-connecting-ip'));
    if (tooManyPending(this.#live().values(), clientFp)) {
      const error = { code: 'rate_limited', message: `At most ${MAX_PENDING_PER_CLIENT} connections per client may wait for hello` };
      return Response.json({ error }, { status: 429 });
    }
    this.#state.bindRoom(decodeURIComponent(match[1]!));
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const now = Date.now();
    this.#setAttachment(server, { phase: 'pending', connectedAt: now, lastSeen: now, clientFp });
    await this.#ensureAlarm(now + this.#config.room.heartbeatMs);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Called by the REST `end` route after it closed the room session in Postgres. */
  async endRoom(): Promise<void> {
    await this.#closeRoom('ended');
  }

  /** Called by the member routes: a member's role changed (null: removed); they join again. */
  async memberChanged(userId: string, role: Role | null): Promise<void> {
    const row = this.#presence.get(memberIdentity(userId));
    if (!row || row.role === role) return;
    if (role === null) this.#eject(row, 'forbidden', 'You are no longer a member of this organization', CLOSE_CODES.policy, 'kicked', Date.now());
    else this.#eject(row, 'role_changed', `Your role is now ${role}; join again`, CLOSE_CODES.replaced, 'replaced', Date.now());
  }

  protected async onMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (this.#media.isNodeSocket(ws)) return this.#media.onNodeMessage(ws, data);
    let id: string | undefined;
    try {
      const decoded = decodeFrame(data);
      if (!decoded.ok) {
        id = decoded.id;
        throw decoded.error;
      }
      id = decoded.message.id;
      await this.#handle(ws, decoded.message);
    } catch (error) {
      this.#reportError(ws, error, id);
    }
  }

  protected async onClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (this.#media.isNodeSocket(ws)) return this.#media.onNodeGone(ws);
    await this.#onSocketGone(ws, code === CLOSE_CODES.normal && reason === 'leave' ? 'left' : 'dropped');
  }

  /** Reaps silent sockets, ends expired resume windows, closes a room left empty, retries usage. */
  protected async onAlarm(): Promise<void> {
    await this.#sweep(Date.now());
  }

  // ── Dispatch ──────────────────────────────────────────────────────────────────

  async #handle(ws: WebSocket, message: ClientMessage): Promise<void> {
    const att = this.#attachment(ws);
    const now = Date.now();
    att.lastSeen = now;
    if (att.phase === 'closed') return;
    if (att.phase === 'pending') {
      if (message.type === 'ping') return send(ws, { type: 'pong', ts: message.ts, serverTime: now });
      if (message.type !== 'hello') throw new RoomError('hello_required', 'Send hello first');
      return this.#hello(ws, message);
    }
    this.#persistLastSeen(ws, att);
    const budget = budgetOf(message, att.identity);
    if (budget) this.#fanout.check(budget, att.identity, now);
    switch (message.type) {
      case 'hello':
        throw new RoomError('already_joined', 'This connection has already joined');
      case 'ping':
        return send(ws, { type: 'pong', ts: message.ts, serverTime: now });
      case 'leave':
        return this.#leaveBySocket(ws, att);
      case 'chat.send':
        return this.#chatSend(ws, att, message, now);
      case 'chat.delete':
        return this.#chatDelete(att, message);
      case 'chat.history': {
        const page = this.#chat.page(message.limit, message.before);
        return send(ws, { type: 'chat.history', ...(message.id ? { id: message.id } : {}), ...page });
      }
      case 'alert.post':
        return this.#alertPost(att, message, now);
      case 'alert.pin':
      case 'alert.unpin':
        return this.#alertPin(ws, att, message);
      case 'hand.raise':
        return this.#updateParticipant(ws, att.identity, { handRaised: true });
      case 'hand.lower':
        return this.#handLower(ws, att, message);
      case 'moderation.mute':
        return this.#mute(ws, att, message);
      case 'moderation.kick':
      case 'moderation.ban':
        return this.#remove(att, message, now);
      case 'moderation.slow_mode':
        requireGrant(att.role, 'moderate');
        // No-ops answer the sender only: the room hears nothing.
        if (this.#state.view().slowModeSeconds === message.seconds) return send(ws, { type: 'room.updated', room: this.#state.view() });
        this.#state.setSlowMode(message.seconds);
        return this.#broadcast({ type: 'room.updated', room: this.#state.view() });
      case 'moderation.chat':
        requireGrant(att.role, 'moderate');
        if (this.#state.view().chatEnabled === message.enabled) return send(ws, { type: 'room.updated', room: this.#state.view() });
        this.#state.setChatEnabled(message.enabled);
        return this.#broadcast({ type: 'room.updated', room: this.#state.view() });
      case 'room.end':
        return this.#endFromSocket(att);
      case 'request':
        return this.#media.handleRequest(ws, att, message);
      default:
        return assertNever(message);
    }
  }

  #reportError(ws: WebSocket, error: unknown, id: string | undefined): void {
    if (error instanceof RoomError) {
      sendError(ws, error.code, error.message, id);
      if (error.close) {
        this.#markClosed(ws);
        closeSocket(ws, CLOSE_CODES.policy, error.code);
      }
      return;
    }
    console.error('room: handler failed', error);
    sendError(ws, 'internal', 'Something went wrong in the room; the connection is still usable', id);
  }

  // ── Joining ───────────────────────────────────────────────────────────────────

  async #hello(ws: WebSocket, hello: Of<'hello'>): Promise<void> {
    if (hello.protocol !== PROTOCOL_VERSION) {
      throw new RoomError('unsupported_protocol', `Protocol ${hello.protocol} is not supported; this room speaks protocol ${PROTOCOL_VERSION}`, true);
    }
    const meta = this.#state.meta;
    const roomId = meta.room_id ?? '';
    const token = await this.#verify(hello.token, roomId);
    if (meta.organization_id && meta.organization_id !== token.organizationId) {
      throw new RoomError('invalid_token', 'The token belongs to another organization', true);
    }
    if (token.roomSessionId && token.roomSessionId === meta.ended_session_id) {
      throw new RoomError('room_ended', 'This live session has ended', true);
    }
    // Await everything before reading presence, so the admission decision and the insert that
    // follows run without another event in between.
    const claims = await currentClaims(this.#config, token, roomId, meta.session_id);
    const limit = await this.#plans.viewerLimit(claims.organizationId, Date.now());

    const pending = this.#attachment(ws);
    if (pending.phase !== 'pending') return;
    const now = Date.now();
    if (!meta.organization_id) this.#state.bindOrganization(claims.organizationId);
    if (claims.roomSessionId && claims.roomSessionId !== this.#state.meta.session_id) {
      this.#state.startSession(claims.roomSessionId);
      this.#guests.reset();
    }
    // A guest is also known by the client they join from, so a ban holds against a new identity.
    const guestFps = isGuestIdentity(claims.identity) ? [...new Set([claims.clientFp, pending.clientFp])].filter((fp): fp is string => !!fp) : [];
    if (this.#state.isBanned(claims.identity) || this.#guests.isBanned(guestFps)) {
      throw new RoomError('banned', 'You were removed from this room for the rest of the session', true);
    }
    this.#fanout.check('join', claims.identity, now, true);
    for (const fp of guestFps) this.#fanout.check('join', `client:${fp}`, now, true);

    const existing = this.#presence.get(claims.identity);
    if (existing && hello.resumeId !== undefined && hello.resumeId === existing.resume_id && existing.role === claims.role) {
      return this.#admit(ws, claims, existing, true, now);
    }
    if (existing) {
      // Same identity without its resumeId: the old presence ends and a new one begins.
      this.#closeSocketsOf(existing.identity, CLOSE_CODES.replaced, 'replaced');
      this.#finishLeave(existing, 'replaced', now);
    }
    const full = seatRefusal(limit, claims, { hosts: this.#presence.countRoles(HOST_ROLES), total: this.#presence.count() });
    if (full) throw full;
    if (guestFps.length > 0 && this.#guests.presentFrom(guestFps) >= MAX_GUESTS_PER_CLIENT) {
      throw new RoomError('room_full', `At most ${MAX_GUESTS_PER_CLIENT} guests from one network may be in this room`, true);
    }
    this.#guests.record(claims.identity, guestFps);
    const row = this.#presence.add({
      identity: claims.identity,
      name: claims.name,
      role: claims.role,
      userId: claims.userId,
      joinedAt: now,
      resumeId: crypto.randomUUID(),
      usageId: crypto.randomUUID(),
    });
    this.#usage.joined({
      id: row.usage_id,
      organizationId: claims.organizationId,
      roomId,
      roomSessionId: this.#state.meta.session_id,
      identity: claims.identity,
      userId: claims.userId,
      name: claims.name,
      role: claims.role,
      joinedAt: now,
    });
    this.#admit(ws, claims, row, false, now);
    this.#broadcastPresence({ type: 'participant.joined', participant: toParticipant(row), participantCount: this.#presence.count() }, row.role, ws);
    this.#flushUsage();
  }

  async #verify(token: string, roomId: string): Promise<RoomTokenClaims> {
    try {
      return await verifyRoomToken(this.#config.roomTokenSecret, token, roomId);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new RoomError('token_expired', 'The room token has expired; ask for a new one', true);
      throw new RoomError('invalid_token', 'The room token is not valid for this room', true);
    }
  }

  #admit(ws: WebSocket, claims: RoomTokenClaims, row: ParticipantRow, resumed: boolean, now: number): void {
    if (resumed) {
      // An older socket of the same participant (a half-open connection) gives way silently.
      for (const [other, att] of this.#live()) {
        if (other !== ws && att.phase === 'joined' && att.identity === row.identity) {
          this.#markClosed(other);
          closeSocket(other, CLOSE_CODES.replaced, 'resumed elsewhere');
        }
      }
    }
    this.#presence.setConnected(row.identity, true, now);
    this.#state.setEmptySince(null);
    this.#setAttachment(ws, {
      phase: 'joined',
      connectedAt: now,
      lastSeen: now,
      identity: claims.identity,
      name: claims.name,
      role: claims.role,
      organizationId: claims.organizationId,
    });
    const self = toParticipant(row);
    send(ws, {
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      self: { ...self, grants: grantsFor(claims.role) },
      participants: this.#presence.listed(PRESENCE_FANOUT_LIMIT).map(toParticipant),
      participantCount: this.#presence.count(),
      room: this.#state.view(),
      chat: this.#chat.page(50),
      pinnedAlerts: this.#alerts.pinned(),
      resumeId: row.resume_id,
      resumed,
      heartbeatMs: this.#config.room.heartbeatMs,
    });
    this.#media.onJoined(ws);
  }

  // ── Leaving ───────────────────────────────────────────────────────────────────

  async #onSocketGone(ws: WebSocket, how: 'left' | 'dropped'): Promise<void> {
    const att = this.#attachment(ws);
    this.#sockets?.delete(ws);
    // Completes the closing handshake; harmless when the runtime already answered it.
    closeSocket(ws);
    if (att.phase !== 'joined') return;
    const row = this.#presence.get(att.identity);
    if (!row) return;
    const now = Date.now();
    if (how === 'left') {
      this.#finishLeave(row, 'left', now);
    } else if (!this.#hasOtherSocket(att.identity, ws)) {
      this.#presence.setConnected(att.identity, false, now);
      await this.#ensureAlarm(now + this.#config.room.resumeWindowMs);
    }
  }

  #leaveBySocket(ws: WebSocket, att: Joined): void {
    this.#markClosed(ws);
    const row = this.#presence.get(att.identity);
    if (row) this.#finishLeave(row, 'left', Date.now());
    closeSocket(ws, CLOSE_CODES.normal, 'leave');
  }

  /** The participant has left for good: one left event, one left_at. */
  #finishLeave(row: ParticipantRow, reason: LeaveReason, now: number): void {
    this.#presence.remove(row.identity);
    this.#limits.forget(row.identity);
    this.#media.onLeft(row.identity);
    const org = this.#state.meta.organization_id;
    if (org) this.#usage.left(row.usage_id, org, now);
    this.#broadcastPresence({ type: 'participant.left', identity: row.identity, reason, participantCount: this.#presence.count() }, row.role);
    if (this.#presence.count() === 0) {
      this.#state.setEmptySince(now);
      void this.#ensureAlarm(now + this.#config.room.emptyTimeoutMs);
    }
    this.#flushUsage();
  }

  // ── Chat and alerts ───────────────────────────────────────────────────────────

  #chatSend(ws: WebSocket, att: Joined, message: Of<'chat.send'>, now: number): void {
    requireGrant(att.role, 'chat');
    if (message.clientId) {
      const earlier = this.#chat.byClientId(att.identity, message.clientId);
      if (earlier) return send(ws, { type: 'chat.message', ...earlier });
    }
    const moderator = hasGrant(att.role, 'moderate');
    const state = this.#state.view();
    if (!moderator) {
      if (!state.chatEnabled) throw new RoomError('chat_disabled', 'Chat is turned off in this room');
      if (this.#presence.get(att.identity)?.muted === 1) throw new RoomError('muted', 'A moderator has muted you');
    }
    this.#limits.check(att.identity, now, moderator ? 0 : state.slowModeSeconds);
    const stored = this.#chat.add(att, message.text, message.clientId, now);
    this.#broadcast({ type: 'chat.message', ...stored });
  }

  #chatDelete(att: Joined, message: Of<'chat.delete'>): void {
    const target = this.#chat.get(message.messageId);
    if (!target) throw new RoomError('not_found', `No message ${message.messageId}`);
    if (target.author.identity !== att.identity) {
      requireGrant(att.role, 'moderate');
      requireOutranks(att, { identity: target.author.identity, role: target.role });
    }
    this.#chat.delete(message.messageId);
    this.#broadcast({ type: 'chat.deleted', messageId: message.messageId, by: att.identity });
  }

  #alertPost(att: Joined, message: Of<'alert.post'>, now: number): void {
    requireGrant(att.role, 'alerts.post');
    this.#limits.check(att.identity, now, 0);
    const alert = this.#alerts.add(att, message, now);
    this.#broadcast({ type: 'alert.posted', alert });
  }

  #alertPin(ws: WebSocket, att: Joined, message: Of<'alert.pin'> | Of<'alert.unpin'>): void {
    requireGrant(att.role, 'alerts.post');
    const result = this.#alerts.setPinned(message.alertId, message.type === 'alert.pin');
    if (!result) throw new RoomError('not_found', `No alert ${message.alertId}`);
    const { alert } = result;
    const frame: ServerMessage = alert.pinned ? { type: 'alert.pinned', alert } : { type: 'alert.unpinned', alertId: alert.id };
    if (result.changed) this.#broadcast(frame);
    else send(ws, frame);
  }

  // ── Hands and moderation ──────────────────────────────────────────────────────

  #updateParticipant(ws: WebSocket, identity: string, change: { handRaised?: boolean; muted?: boolean }): void {
    const current = this.#target(identity);
    // A no-op (raising a raised hand) answers the sender only: the room hears nothing.
    if ((change.handRaised ?? current.hand_raised === 1) === (current.hand_raised === 1) && (change.muted ?? current.muted === 1) === (current.muted === 1)) {
      return send(ws, { type: 'participant.updated', participant: toParticipant(current) });
    }
    const row = this.#presence.update(identity, change);
    if (!row) throw new RoomError('not_found', `${identity} is not in this room`);
    this.#broadcast({ type: 'participant.updated', participant: toParticipant(row) });
  }

  #target(identity: string): ParticipantRow {
    const row = this.#presence.get(identity);
    if (!row) throw new RoomError('not_found', `${identity} is not in this room`);
    return row;
  }

  #handLower(ws: WebSocket, att: Joined, message: Of<'hand.lower'>): void {
    const identity = message.identity ?? att.identity;
    if (identity !== att.identity) {
      requireGrant(att.role, 'moderate');
      const target = this.#target(identity);
      requireOutranks(att, { identity, role: target.role as Role });
    }
    this.#updateParticipant(ws, identity, { handRaised: false });
  }

  #mute(ws: WebSocket, att: Joined, message: Of<'moderation.mute'>): void {
    requireGrant(att.role, 'moderate');
    const target = this.#target(message.identity);
    requireOutranks(att, { identity: target.identity, role: target.role as Joined['role'] });
    this.#updateParticipant(ws, target.identity, { muted: message.muted });
  }

  async #remove(att: Joined, message: Of<'moderation.kick'> | Of<'moderation.ban'>, now: number): Promise<void> {
    requireGrant(att.role, 'moderate');
    const ban = message.type === 'moderation.ban';
    const present = this.#presence.get(message.identity);
    if (!present && !ban) throw new RoomError('not_found', `${message.identity} is not in this room`);
    // Rank holds whether or not the target is here.
    const role = present ? (present.role as Role) : await absentRole(this.#config, att.organizationId, message.identity);
    requireOutranks(att, { identity: message.identity, role });
    if (ban) {
      this.#state.ban(message.identity, now);
      if (isGuestIdentity(message.identity)) this.#guests.banClientsOf(message.identity);
    }
    const target = this.#presence.get(message.identity);
    if (!target) return;
    const code = ban ? 'banned' : 'kicked';
    this.#eject(target, code, `${ban ? 'Banned' : 'Removed'} by a moderator${message.reason ? `: ${message.reason}` : ''}`, CLOSE_CODES.policy, code, now);
  }

  /** Tells the participant why, closes their sockets and ends their presence. */
  #eject(row: ParticipantRow, code: 'banned' | 'kicked' | 'forbidden' | 'role_changed', text: string, closeCode: number, reason: LeaveReason, now: number): void {
    for (const [ws, a] of this.#live()) {
      if (a.phase === 'joined' && a.identity === row.identity) {
        sendError(ws, code, text);
        this.#markClosed(ws);
        closeSocket(ws, closeCode, code);
      }
    }
    this.#finishLeave(row, reason, now);
  }

  // ── Ending ────────────────────────────────────────────────────────────────────

  async #endFromSocket(att: Joined): Promise<void> {
    requireGrant(att.role, 'room.end');
    const { room_id, session_id } = this.#state.meta;
    if (session_id && room_id) await endRoomSession(this.#config, att.organizationId, room_id, session_id);
    await this.#closeRoom('ended');
  }

  async #closeRoom(reason: 'ended' | 'empty'): Promise<void> {
    const now = Date.now();
    const frame = JSON.stringify({ type: 'room.ended', reason } satisfies ServerMessage);
    for (const [ws] of this.#live()) {
      sendRaw(ws, frame);
      this.#markClosed(ws);
      closeSocket(ws, CLOSE_CODES.normal, 'room ended');
    }
    const org = this.#state.meta.organization_id;
    for (const row of this.#presence.all()) {
      this.#presence.remove(row.identity);
      if (org) this.#usage.left(row.usage_id, org, now);
    }
    this.#state.endSession();
    this.#guests.reset();
    await this.#media.endRoom();
    await this.#usage.flush().catch((error: unknown) => console.error('room: usage flush failed; the alarm retries', error));
    await this.#scheduleNext(now);
  }

  // ── Presence sweep (alarm) ────────────────────────────────────────────────────

  async #sweep(now: number): Promise<void> {
    const { heartbeatMs, resumeWindowMs, emptyTimeoutMs } = this.#config.room;
    for (const [ws, att] of this.#live()) {
      if (att.phase === 'pending' && now - att.connectedAt > heartbeatMs) {
        sendError(ws, 'hello_required', 'No hello in time');
        this.#markClosed(ws);
        closeSocket(ws, CLOSE_CODES.policy, 'hello_required');
      } else if (att.phase === 'joined' && now - att.lastSeen > STALE_AFTER_HEARTBEATS * heartbeatMs) {
        this.#markClosed(ws);
        closeSocket(ws, CLOSE_CODES.stale, 'no heartbeat');
      }
    }
    // Participants without a live socket (dropped, reaped, or a close event that never came) enter
    // their resume window; those whose window ran out leave.
    const connected = new Set<string>();
    for (const att of this.#live().values()) if (att.phase === 'joined') connected.add(att.identity);
    for (const identity of this.#presence.connectedIdentities()) {
      if (!connected.has(identity)) this.#presence.setConnected(identity, false, now);
    }
    for (const row of this.#presence.expired(now - resumeWindowMs)) this.#finishLeave(row, 'timeout', now);

    const meta = this.#state.meta;
    if (this.#presence.count() === 0 && this.#live().size === 0 && meta.empty_since !== null && now - meta.empty_since >= emptyTimeoutMs) {
      if (meta.session_id && meta.room_id && meta.organization_id) {
        await endRoomSession(this.#config, meta.organization_id, meta.room_id, meta.session_id);
      }
      await this.#closeRoom('empty');
      return;
    }
    this.#media.retry();
    await this.#usage.flush().catch((error: unknown) => console.error('room: usage flush failed; retrying', error));
    await this.#scheduleNext(now);
  }

  async #scheduleNext(now: number): Promise<void> {
    const { heartbeatMs, emptyTimeoutMs } = this.#config.room;
    const emptySince = this.#state.meta.empty_since;
    let next: number | undefined;
    if (this.#live().size > 0 || this.#presence.count() > 0) next = now + heartbeatMs;
    else if (emptySince !== null) next = emptySince + emptyTimeoutMs;
    if (this.#usage.pending() > 0) next = Math.min(next ?? Infinity, now + heartbeatMs);
    if (next === undefined) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, now + 10));
  }

  async #ensureAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  // ── Sockets ───────────────────────────────────────────────────────────────────

  #live(): Map<WebSocket, Attachment> {
    if (!this.#sockets) {
      this.#sockets = new Map();
      for (const ws of this.ctx.getWebSockets()) {
        const att = ws.deserializeAttachment() as Attachment | null;
        // The media node's socket is the relay's, not a participant.
        if (att && att.phase !== 'closed' && !isNodeAttachment(att)) this.#sockets.set(ws, att);
      }
    }
    return this.#sockets;
  }

  #attachment(ws: WebSocket): Attachment {
    const live = this.#live().get(ws);
    if (live) return live;
    const stored = ws.deserializeAttachment() as Attachment | null;
    return stored ?? { phase: 'closed', connectedAt: 0, lastSeen: 0 };
  }

  #setAttachment(ws: WebSocket, att: Attachment): void {
    try {
      ws.serializeAttachment(att);
    } catch {
      // The socket is already closed; only the in-memory view matters now.
    }
    if (att.phase === 'closed') this.#live().delete(ws);
    else this.#live().set(ws, att);
  }

  /** Writes the activity time into the attachment now and then, so the reaper survives a wake. */
  #persistLastSeen(ws: WebSocket, att: Attachment): void {
    const persisted = this.#persistedAt.get(ws) ?? att.connectedAt;
    if (att.lastSeen - persisted > LAST_SEEN_PERSIST_MS) {
      ws.serializeAttachment(att);
      this.#persistedAt.set(ws, att.lastSeen);
    }
  }

  #markClosed(ws: WebSocket): void {
    const att = this.#attachment(ws);
    this.#setAttachment(ws, { phase: 'closed', connectedAt: att.connectedAt, lastSeen: att.lastSeen });
  }

  #hasOtherSocket(identity: string, except: WebSocket): boolean {
    for (const [ws, att] of this.#live()) if (ws !== except && att.phase === 'joined' && att.identity === identity) return true;
    return false;
  }

  #closeSocketsOf(identity: string, code: number, reason: string): void {
    for (const [ws, att] of this.#live()) {
      if (att.phase === 'joined' && att.identity === identity) {
        this.#markClosed(ws);
        closeSocket(ws, code, reason);
      }
    }
  }

  /** Sends one serialized frame to every joined socket (except one, when given). */
  #broadcast(message: ServerMessage, except?: WebSocket): void {
    const frame = JSON.stringify(message);
    for (const [ws, att] of this.#live()) if (att.phase === 'joined' && ws !== except) sendRaw(ws, frame);
  }

  /** Presence of staff goes to everyone; presence of viewers only to moderators in a big room. */
  #broadcastPresence(message: ServerMessage, role: string, except?: WebSocket): void {
    if (role !== 'viewer' || this.#presence.count() <= PRESENCE_FANOUT_LIMIT) return this.#broadcast(message, except);
    const frame = JSON.stringify(message);
    for (const [ws, att] of this.#live()) {
      if (att.phase === 'joined' && ws !== except && hasGrant(att.role, 'moderate')) sendRaw(ws, frame);
    }
    this.#scheduleCount();
  }

  /** The count for those not told of each viewer's join or leave: one frame per interval, not per join. */
  #scheduleCount(): void {
    if (this.#countTimer !== undefined) return;
    this.#countTimer = setTimeout(() => {
      this.#countTimer = undefined;
      const frame = JSON.stringify({ type: 'presence.count', participantCount: this.#presence.count() } satisfies ServerMessage);
      for (const [ws, att] of this.#live()) if (att.phase === 'joined' && !hasGrant(att.role, 'moderate')) sendRaw(ws, frame);
    }, PRESENCE_COUNT_EVERY_MS);
  }

  #flushUsage(): void {
    this.ctx.waitUntil(this.#usage.flush().catch((error: unknown) => console.error('room: usage flush failed; the alarm retries', error)));
  }
}
