// The Worker's side of RTMP ingest, reached through FleetDO by the node holding an encoder's
// connection (the node's authenticated fleet socket; nothing dials into a node but media): the
// stream key is checked on every step (a key revoked meanwhile is refused), the encoder opens the
// room's live session like WHIP does, the RoomDO makes or resumes the producers, and the ingest
// state and webhooks are written here.
import { eq } from 'drizzle-orm';
import { ingestKeys } from '@roomcast/schema/db';
import { ingestBitrateCapFor } from '@roomcast/schema';
import type { FleetToNode, NodeToFleet } from '@roomcast/schema/protocol';
import type { Config } from '../config.ts';
import { Database } from '../db/database.ts';
import type { Env } from '../env.ts';
import { ApiError } from '../errors.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { assertTrialActive } from '../plans/trial.ts';
import { roomStub } from '../rooms/room-stub.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';
import { announceRecording } from '../recordings/open-recording.ts';
import { openEncoderSession } from './encoder-session.ts';
import { publicSessionId, recordIngestEnded } from './ingest-state.ts';
import { verifyStreamKey, type StreamKeyOwner } from './stream-key.ts';

type RtmpFrame = Extract<NodeToFleet, { type: `ingest.rtmp.${string}` }>;
type Answer = Extract<FleetToNode, { type: 'ingest.rtmp.answer' }>;

export class RtmpBroker {
  constructor(
    private readonly env: Env,
    private readonly config: Config,
    /** Closes a connection wherever it is held (FleetDO tells every node; the holder acts). */
    private readonly closeConnection: (connectionId: string, reason: string) => void,
  ) {}

  /** One frame from a node; the answer to send back, if the frame asks for one. */
  async handle(nodeId: string, frame: RtmpFrame): Promise<Answer | undefined> {
    const db = new Database(this.config);
    try {
      switch (frame.type) {
        case 'ingest.rtmp.authorize': {
          const key = await this.#key(db, frame.streamKey);
          if (!key) return refuse(frame.requestId, 'invalid_stream_key', 'Unknown or revoked stream key');
          const allowed = await this.#mayPublish(db, key);
          if ('code' in allowed) return refuse(frame.requestId, allowed.code, allowed.message);
          return { type: 'ingest.rtmp.answer', requestId: frame.requestId, ok: true, roomId: key.roomId, maxBitrateKbps: ingestBitrateCapFor(allowed.planId) };
        }
        case 'ingest.rtmp.start':
          return await this.#start(db, nodeId, frame);
        case 'ingest.rtmp.ended': {
          const key = await this.#key(db, frame.streamKey);
          if (!key) return undefined;
          if (await roomStub(this.env, key.roomId).rtmpEnded(frame.connectionId)) {
            await recordIngestEnded(db, key.organizationId, key.roomId, [frame.connectionId], frame.reason, 'rtmp');
          }
          return undefined;
        }
        case 'ingest.rtmp.problem': {
          const key = await this.#key(db, frame.streamKey);
          if (!key) return undefined;
          await db.scoped({ organizationId: key.organizationId }, (tx) =>
            tx.update(ingestKeys).set({ lastError: frame.message, lastErrorCode: frame.code }).where(eq(ingestKeys.id, key.keyId)),
          );
          return undefined;
        }
      }
    } catch (error) {
      console.error('ingest: an RTMP request failed', frame.type, error);
      return 'requestId' in frame ? refuse(frame.requestId, 'internal', 'The ingest request failed; retry') : undefined;
    } finally {
      await db.close();
    }
  }

  async #key(db: Database, streamKey: string): Promise<StreamKeyOwner | undefined> {
    return verifyStreamKey(db, streamKey);
  }

  /** The plan the encoder publishes under, or why it may not. */
  async #mayPublish(db: Database, key: StreamKeyOwner): Promise<{ planId: string } | { code: string; message: string }> {
    try {
      return await db.scoped({ organizationId: key.organizationId }, async (tx) => {
        await assertTrialActive(tx, key.organizationId);
        const plan = await effectivePlan(tx, key.organizationId);
        assertFeature(plan, 'apiAccess');
        return { planId: plan.id };
      });
    } catch (error) {
      if (error instanceof ApiError) return { code: error.code, message: error.message };
      throw error;
    }
  }

  async #start(db: Database, nodeId: string, frame: Extract<RtmpFrame, { type: 'ingest.rtmp.start' }>): Promise<Answer> {
    const key = await this.#key(db, frame.streamKey);
    if (!key) return refuse(frame.requestId, 'invalid_stream_key', 'Unknown or revoked stream key');
    let session, recording;
    try {
      ({ session, recording } = await openEncoderSession(db, this.config, key));
    } catch (error) {
      if (error instanceof ApiError) return refuse(frame.requestId, error.code, error.message);
      throw error;
    }
    if (recording) await announceRecording(this.env, recording);
    const result = await roomStub(this.env, key.roomId).rtmpStart({
      roomId: key.roomId,
      organizationId: key.organizationId,
      roomSessionId: session.id,
      connectionId: frame.connectionId,
      relayNodeId: nodeId,
      h264ProfileLevelId: frame.h264ProfileLevelId,
      audio: frame.audio,
    });
    const at = new Date();
    if (!result.ok) {
      await db.scoped({ organizationId: key.organizationId }, (tx) => tx.update(ingestKeys).set({ lastError: result.message, lastErrorCode: result.code }).where(eq(ingestKeys.id, key.keyId)));
      return refuse(frame.requestId, result.code, result.message);
    }
    // Newest wins: an older connection still held (here or on another node) is closed.
    if (result.replaced) this.closeConnection(result.replaced, 'replaced by a newer connection');
    await db.scoped({ organizationId: key.organizationId }, async (tx) => {
      await tx.update(ingestKeys).set({ state: 'live', protocol: 'rtmp', lastError: null, lastErrorCode: null, stateChangedAt: at }).where(eq(ingestKeys.id, key.keyId));
      const event = (id: string, protocol: 'rtmp' | 'whip', name: 'ingest.connected' | 'ingest.disconnected') =>
        publicSessionId(id, protocol).then((pub) =>
          emitWebhookEvent(tx, key.organizationId, name, { ingest: { id: pub, roomId: key.roomId, protocol }, at: at.toISOString(), ...(name === 'ingest.disconnected' ? { reason: 'replaced' } : {}) } as never, at),
        );
      for (const old of result.replacedWhip ?? []) await event(old, 'whip', 'ingest.disconnected');
      // A resumed connection continues the ingest the webhooks already know.
      if (!result.target.resumed) {
        if (result.replaced) await event(result.replaced, 'rtmp', 'ingest.disconnected');
        await event(frame.connectionId, 'rtmp', 'ingest.connected');
      }
    });
    await wakeWebhookDelivery(key.organizationId);
    return { type: 'ingest.rtmp.answer', requestId: frame.requestId, ok: true, roomId: key.roomId, target: result.target };
  }
}

const refuse = (requestId: string, code: string, message: string): Answer => ({ type: 'ingest.rtmp.answer', requestId, ok: false, error: { code, message: message.slice(0, 500) } });
