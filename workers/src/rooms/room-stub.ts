// The RoomDO's RPC surface for the REST routes: the room's own `end`, and the member routes
// telling every room of the organization that a member's role changed or they were removed, and the
// room update telling it its visibility changed.
import type { Role, RoomRole } from '@roomcast/schema';
import type { ChatFile, ChatMessage } from '@roomcast/schema/protocol';
import type { Env } from '../env.ts';
import type { PatchResult, WhipResult } from './media/ingest-publisher.ts';
import type { RtmpStartInput, RtmpStartResult } from './media/rtmp-publisher.ts';
import type { RtmpOutputStatus } from '@roomcast/schema/api';
import type { HlsView } from './media/room-hls.ts';
import type { DestinationStartInput } from './media/room-multistream.ts';
import type { RecorderResult, RecorderTarget } from './media/room-recorder.ts';

export type RoomVisibility = 'public' | 'members' | 'invite';

export interface RoomRpc {
  endRoom(): Promise<void>;
  /** `role` null: the member was removed from the organization. */
  memberChanged(userId: string, role: Role | null): Promise<void>;
  /** An API key was revoked; the participants it minted leave. */
  apiKeyRevoked(apiKeyId: string): Promise<void>;
  /** The room's visibility changed; guests leave a room that is no longer public. */
  visibilityChanged(visibility: RoomVisibility): Promise<void>;
  /** Ingest (ingest/whip-routes.ts): an encoder's WHIP offer, its session's end and ICE restart. */
  whipOffer(input: { roomId: string; organizationId: string; roomSessionId: string; sessionId: string; offer: string }): Promise<WhipResult>;
  whipEnd(sessionId: string): Promise<boolean>;
  whipPatch(sessionId: string, clientUfrag: string, ifMatch: string | undefined): Promise<PatchResult>;
  /** The stream key was rotated or revoked; answers the encoder sessions it ended (WHIP sessions, the RTMP connection). */
  ingestRevoked(): Promise<{ whip: string[]; rtmp: string | null }>;
  /** RTMP (FleetDO for the node holding the connection): producers to relay to, and the connection's end. */
  rtmpStart(input: RtmpStartInput & { organizationId: string; roomSessionId: string }): Promise<RtmpStartResult & { replacedWhip?: string[] }>;
  rtmpEnded(connectionId: string): Promise<boolean>;
  /** A server recording started or (null) stopped: the room shows or hides its REC badge. */
  recordingChanged(recording: { id: string; startedAt: string } | null): Promise<void>;
  /** A recording's multipart upload is open: REC badge on, the origin node records (recordings/). */
  recordingStarted(recording: RecorderTarget & { startedAt: string; roomId: string }): Promise<void>;
  /** Stop recording: the parts to complete and what the node measured; null when the room does not hold it. */
  stopRecorder(recordingId: string): Promise<RecorderResult | null>;
  /** HLS (egress/hls-routes.ts): start a run (null when one already runs), stop it (null: none ran). */
  hlsStart(input: { roomId: string; organizationId: string; roomSessionId: string; hlsId: string; keyPrefix: string }): Promise<HlsView | null>;
  hlsStop(): Promise<HlsView | null>;
  /** The session's automatic HLS: it starts once `viewers` viewers are in (null: only on demand). */
  hlsAuto(input: { roomId: string; organizationId: string; roomSessionId: string; viewers: number | null }): Promise<void>;
  /** The current or last run and where its files are (the /hls serving route). */
  hlsInfo(): Promise<{ hls: HlsView; keyPrefix: string; legs: number } | null>;
  /** Multistream (egress/multistream-routes.ts): push to one destination, stop it, every destination's state. */
  multistreamStart(input: DestinationStartInput & { roomId: string; organizationId: string }): Promise<{ ok: true; output: RtmpOutputStatus } | { ok: false; message: string }>;
  multistreamStop(destinationId: string): Promise<boolean>;
  multistreamView(): Promise<RtmpOutputStatus[]>;
  /** A file shared into the chat (storage/room-file-routes.ts); null when the author is not in the room. */
  shareFile(author: { identity: string; name: string; role: RoomRole }, file: ChatFile, text: string): Promise<ChatMessage | null>;
  /** The participant is in the room and the file is shared in its chat. */
  mayDownloadFile(identity: string, fileId: string): Promise<boolean>;
}

export function roomStub(env: Pick<Env, 'ROOM'>, roomId: string): RoomRpc {
  return env.ROOM.get(env.ROOM.idFromName(roomId)) as unknown as RoomRpc;
}
