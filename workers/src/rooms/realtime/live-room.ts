// The pieces of one live room, built once by RoomDO and handed to the handlers. Each piece owns its
// state: the stores their SQLite tables, the registry the sockets, the limits their windows, the
// relay the room's media. Nothing here keeps a copy of another piece's state.
import { loadConfig, type Config } from '../../config.ts';
import { emitEgressFailed } from '../../egress/egress-webhooks.ts';
import { hlsStorageRefusal } from '../../egress/hls-admission.ts';
import { recordIngestEndedLater } from '../../ingest/ingest-state.ts';
import type { Env } from '../../env.ts';
import { hlsKeyPrefix } from '../../storage/object-keys.ts';
import { ShardSockets } from '../fanout/shard-sockets.ts';
import { LiveSession } from '../media/live-session.ts';
import { MediaRelay } from '../media/media-relay.ts';
import { isHostRole } from './admission.ts';
import { AlertStore } from './alert-store.ts';
import { ChatLimits } from './chat-limits.ts';
import { ChatStore } from './chat-store.ts';
import { FanoutLimits } from './fanout-limits.ts';
import { GuestClients } from './guest-clients.ts';
import { ApiKeyCache, PlanCache } from './postgres.ts';
import { PresenceBroadcast } from './presence-broadcast.ts';
import { PresenceStore } from './presence.ts';
import { RoomStateStore } from './room-state.ts';
import { SocketRegistry } from './socket-registry.ts';
import { UsageOutbox } from './usage.ts';

export class LiveRoom {
  readonly config: Config;
  readonly state: RoomStateStore;
  readonly presence: PresenceStore;
  readonly chat: ChatStore;
  readonly alerts: AlertStore;
  readonly usage: UsageOutbox;
  readonly plans: PlanCache;
  readonly apiKeys: ApiKeyCache;
  readonly chatLimits: ChatLimits;
  readonly fanout = new FanoutLimits();
  readonly guests: GuestClients;
  readonly shards: ShardSockets;
  readonly sockets: SocketRegistry;
  readonly presenceBroadcast: PresenceBroadcast;
  readonly media: MediaRelay;
  /**
   * When the alarm next owes a full sweep (housekeeping.ts). Between sweeps the alarm may run
   * sooner, only to check the media nodes' liveness. In memory: after an eviction it is 0, and the
   * next alarm sweeps (a sweep too many is harmless, one too few is not).
   */
  sweepDueAt = 0;
  /** The alarm as armed now is only for the nodes' liveness (no sweep owed by then). */
  nodeCheckOnly = false;

  constructor(
    readonly ctx: DurableObjectState,
    env: Env,
  ) {
    this.config = loadConfig(env);
    const sql = ctx.storage.sql;
    this.state = new RoomStateStore(sql);
    this.presence = new PresenceStore(sql);
    this.guests = new GuestClients(sql);
    this.chat = new ChatStore(sql, this.config.room.chatHistory);
    this.alerts = new AlertStore(sql);
    this.usage = new UsageOutbox(sql, this.config);
    this.plans = new PlanCache(this.config);
    this.apiKeys = new ApiKeyCache(this.config);
    this.chatLimits = new ChatLimits(this.config.room.chatRatePer10s);
    this.shards = new ShardSockets(sql, env.ROOM_SHARD, () => this.state.meta.room_id);
    this.sockets = new SocketRegistry(ctx, this.shards, this.config.room.heartbeatMs);
    this.presenceBroadcast = new PresenceBroadcast(this.sockets, this.presence, () => this.shards.inUse());
    this.media = new MediaRelay(ctx, env, this.config, {
      roomId: () => this.state.meta.room_id,
      clients: () => this.sockets.joined(),
      socketsOf: (identity) => this.sockets.socketsOf(identity),
      occupied: () => this.presence.count() > 0,
      session: new LiveSession(this.config, () => this.state.meta),
      onStage: (identity) => this.state.studio.onStage(identity),
      checkNodesBy: (at) => ctx.waitUntil(this.#bringAlarmForward(at, true).catch((error: unknown) => console.error('room: arming the node check failed', error))),
    }, this.config.ingest.whipPerRoomPerMinute, (sessionIds, reason, protocol) => {
      // An encoder's session ended on the node's side: the room page and webhooks hear of it.
      const { organization_id: org, room_id: room } = this.state.meta;
      if (org && room && sessionIds.length > 0) ctx.waitUntil(recordIngestEndedLater(this.config, org, room, sessionIds, reason, protocol));
    }, () => {
      // The recording's node was lost (room-recorder.ts completed it as partial): the REC badge goes.
      this.state.setRecording(null);
      this.sockets.broadcast({ type: 'room.updated', room: this.state.view() });
    }, () => this.sockets.broadcast({ type: 'room.updated', room: this.state.view() }), {
      failed: (failure) => {
        // The organization's webhooks hear it (egress.failed); a failed delivery log write is logged, not fatal.
        const { organization_id: org, room_id: room, session_id: session } = this.state.meta;
        if (!org || !room) return;
        ctx.waitUntil(
          emitEgressFailed(this.config, org, { ...failure, roomId: room, sessionId: failure.sessionId ?? session ?? null }).catch((error: unknown) =>
            console.error('egress: the egress.failed webhook could not be logged', error),
          ),
        );
      },
      // Hosts and co-hosts (the studio's Multistream panel) hear each change as it happens.
      multistreamChanged: () => this.sockets.broadcastTo({ type: 'egress.outputs', outputs: this.media.multistream.view() }, (a) => isHostRole(a.role)),
    });
    this.state.hlsView = () => this.media.hls.view();
  }

  /** A sweep is wanted by `at`: brings the alarm forward to it; never pushes it back. */
  async ensureAlarm(at: number): Promise<void> {
    this.sweepDueAt = Math.min(this.sweepDueAt, at);
    await this.#bringAlarmForward(at, false);
  }

  async #bringAlarmForward(at: number, nodeCheckOnly: boolean): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current !== null && current <= at) return;
    this.nodeCheckOnly = nodeCheckOnly;
    await this.ctx.storage.setAlarm(at);
  }

  /** Sends usage to Postgres in the background; the alarm retries what fails. */
  flushUsage(): void {
    this.ctx.waitUntil(this.usage.flush().catch((error: unknown) => console.error('room: usage flush failed; the alarm retries', error)));
  }

  /**
   * `viewers` (every role but hosts) are in: the session's automatic HLS starts at its threshold
   * (room-hls.ts claimAuto), after the storage check the manual start makes (egress/hls-admission.ts).
   * A full plan shows as a failed run with the reason; a check that cannot run (Postgres away)
   * does not hold the start back (the run still counts against storage once it ends).
   */
  hlsAudience(viewers: number): void {
    const { session_id: sessionId, organization_id: org, room_id: roomId } = this.state.meta;
    if (!sessionId || !org || !roomId) return;
    if (!this.media.hls.claimAuto(sessionId, viewers)) return;
    this.ctx.waitUntil(
      (async () => {
        const refusal = await hlsStorageRefusal(this.config, org).catch((error: unknown) => {
          console.error('hls: the storage check for the automatic start failed; starting anyway', error);
          return null;
        });
        // Started by hand meanwhile: that run is the session's.
        if (this.media.hls.running()) return;
        const hlsId = crypto.randomUUID();
        if (refusal) {
          console.error('hls: the automatic start was refused', refusal);
          this.media.hls.refuse(hlsId, hlsKeyPrefix(org, roomId, hlsId), sessionId, `HLS did not start: ${refusal}`);
        } else {
          this.media.hls.begin(hlsId, hlsKeyPrefix(org, roomId, hlsId), sessionId);
          this.sockets.broadcast({ type: 'room.updated', room: this.state.view() });
        }
      })(),
    );
  }

}
