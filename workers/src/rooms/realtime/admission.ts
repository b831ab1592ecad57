// What a hello may admit, decided from more than the token: a member's role is their role now (a
// demotion or removal beats an older token), a token of a session that has ended cannot reopen the
// room or reset its bans, a token an API key minted dies with the key, and every role takes a seat
// the plan counts.
import { ProtocolError, CLOSE_CODES } from '@roomcast/schema/protocol';
import { grantsFor, HOST_ROLES, type RoomRole } from '@roomcast/schema';
import { isUuid } from '../../auth/tokens.ts';
import type { Config } from '../../config.ts';
import { isMemberIdentity, memberIdentity } from '../identities.ts';
import type { RoomTokenClaims } from '../room-token.ts';
import { memberRole, sessionIsLive, type ApiKeyCache, type ViewerLimit } from './postgres.ts';

/** The claims to admit with, or a ProtocolError that closes the socket. */
export async function currentClaims(config: Config, apiKeys: ApiKeyCache, claims: RoomTokenClaims, roomId: string, sessionId: string | null): Promise<RoomTokenClaims> {
  // The room learns of a new session from the tokens that name it; Postgres says which are live.
  if (claims.roomSessionId && claims.roomSessionId !== sessionId && !(await sessionIsLive(config, claims.organizationId, roomId, claims.roomSessionId))) {
    throw new ProtocolError('room_ended', 'This live session has ended', CLOSE_CODES.policy);
  }
  if (!isMemberIdentity(claims.identity)) {
    if (claims.userId !== null) throw new ProtocolError('invalid_token', 'The room token is not valid for this room', CLOSE_CODES.policy);
    if (claims.apiKeyId !== undefined && !(await apiKeys.active(claims.organizationId, claims.apiKeyId, Date.now()))) {
      throw new ProtocolError('forbidden', 'The API key that issued this token was revoked or lost API access', CLOSE_CODES.policy);
    }
    return claims;
  }
  if (!claims.userId || !isUuid(claims.userId) || claims.identity !== memberIdentity(claims.userId)) {
    throw new ProtocolError('invalid_token', 'The room token is not valid for this room', CLOSE_CODES.policy);
  }
  const role = await memberRole(config, claims.organizationId, claims.userId);
  if (!role) throw new ProtocolError('forbidden', 'You are no longer a member of this organization', CLOSE_CODES.policy);
  return { ...claims, role, grants: grantsFor(role) };
}

export const isHostRole = (role: RoomRole) => (HOST_ROLES as readonly string[]).includes(role);

/**
 * Everyone takes a seat. Members who may go live hold one of the organization's host seats already
 * (counted when they got the role), so they are always let in: an owner is never locked out of their
 * own room. Hosts an API key mints count against the plan's hosts limit per room, members included
 * in the count; everyone else (moderators included) counts against its viewers per room.
 */
export function seatRefusal(limit: ViewerLimit, claims: Pick<RoomTokenClaims, 'role' | 'userId'>, present: { hosts: number; total: number }): ProtocolError | undefined {
  if (isHostRole(claims.role)) {
    if (claims.userId === null && limit.hosts !== null && present.hosts >= limit.hosts) {
      return new ProtocolError('room_full', `This room is full: the ${limit.planName} plan allows ${limit.hosts} hosts per room`, CLOSE_CODES.policy);
    }
    return undefined;
  }
  if (limit.max !== null && present.total - present.hosts >= limit.max) {
    return new ProtocolError('room_full', `This room is full: the ${limit.planName} plan allows ${limit.max} viewers per room`, CLOSE_CODES.policy);
  }
  return undefined;
}
