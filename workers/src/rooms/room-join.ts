// A room token for one participant: who the token names (a member is always themself; an API key
// names its own users) and where to connect with it. Used by the member join, Go live and the
// public join for anonymous viewers.
import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { JoinRoomInput } from '@roomcast/schema/api';
import type { rooms } from '@roomcast/schema/db';
import type { RoomRole } from '@roomcast/schema';
import { ApiError } from '../errors.ts';
import type { AppEnv } from '../http.ts';
import type { OrganizationAccess } from '../tenancy/access.ts';
import { hlsPlaylistUrl } from '../egress/play-token.ts';
import { isReservedIdentity, memberIdentity } from './identities.ts';
import { signRoomToken } from './room-token.ts';
import { mintIceServers } from './turn-credentials.ts';

type RoomRow = typeof rooms.$inferSelect;

function signalingUrl(c: Context<AppEnv>, roomId: string) {
  const base = new URL(c.var.config.publicUrl ?? c.req.url);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${base.origin}/api/v1/rooms/${roomId}/signal`;
}

export interface JoinParticipant {
  identity: string;
  name: string;
  role: RoomRole;
  userId: string | null;
  clientFp?: string | undefined;
  apiKeyId?: string | undefined;
}

/**
 * Who the token names: a member is always themself; an API key speaks for its own users, never as
 * a member or a guest (those namespaces are reserved), and its roles count against the plan's
 * seats in the room like anyone else's.
 */
export function participantFor(access: OrganizationAccess, input: z.infer<typeof JoinRoomInput>): JoinParticipant {
  if (access.principal.kind === 'user') {
    return { identity: memberIdentity(access.principal.userId), name: access.principal.name, role: access.role, userId: access.principal.userId };
  }
  if (input.identity !== undefined && isReservedIdentity(input.identity)) {
    throw new ApiError(400, 'reserved_identity', 'Identities starting with "user:" or "guest" belong to members and guests; name your own users otherwise');
  }
  return {
    identity: input.identity ?? `app:${crypto.randomUUID()}`,
    name: input.name ?? input.identity ?? 'Guest',
    role: input.role ?? ('viewer' as const),
    userId: null,
    apiKeyId: access.principal.apiKeyId,
  };
}

/** Signs a room token for `participant` (also used by the public join for anonymous viewers). */
export async function issueJoin(
  c: Context<AppEnv>,
  room: Pick<RoomRow, 'id' | 'organizationId'>,
  liveSessionId: string | null,
  participant: JoinParticipant,
) {
  const { token, expiresAt } = await signRoomToken(
    c.var.config.roomTokenSecret,
    { ...participant, roomId: room.id, organizationId: room.organizationId, roomSessionId: liveSessionId },
    c.var.config.roomTokenTtlSeconds,
  );
  // TURN credentials (when the deployment runs coturn): a participant on a network that blocks
  // the media ports relays through TURN over TCP/TLS instead.
  const turn = c.var.config.turn;
  const iceServers = turn ? await mintIceServers(turn, participant.identity) : [];
  const hlsUrl = await hlsPlaylistUrl(c.var.config.publicUrl ?? c.req.url, c.var.config.roomTokenSecret, room.id, 'token');
  return { token, signalingUrl: signalingUrl(c, room.id), role: participant.role, expiresAt: expiresAt.toISOString(), iceServers, hlsUrl };
}
