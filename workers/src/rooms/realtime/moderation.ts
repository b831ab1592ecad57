// Who may act on whom. Grants come from the permission matrix (grantsFor); on top of that a
// moderator acts only on roles ranked below their own, so a moderator cannot kick a host.
import { ProtocolError } from '@roomcast/schema/protocol';
import { grantsFor, ROOM_ROLES, type RoomRole, type RoomGrant } from '@roomcast/schema';

const GRANT_LABELS: Record<RoomGrant, string> = {
  publish: 'publish media',
  stage: 'move people between backstage and the stage or change the layout',
  chat: 'chat',
  'alerts.post': 'post or pin alerts',
  moderate: 'moderate',
  'room.end': 'end the room',
};

export function requireGrant(role: RoomRole, grant: RoomGrant): void {
  if (!grantsFor(role).includes(grant)) throw new ProtocolError('forbidden', `A ${role} may not ${GRANT_LABELS[grant]}`);
}

export function hasGrant(role: RoomRole, grant: RoomGrant): boolean {
  return grantsFor(role).includes(grant);
}

export function requireOutranks(actor: { identity: string; role: RoomRole }, target: { identity: string; role: RoomRole }): void {
  if (actor.identity === target.identity) throw new ProtocolError('forbidden', 'You cannot moderate yourself');
  if (ROOM_ROLES.indexOf(target.role) <= ROOM_ROLES.indexOf(actor.role)) {
    throw new ProtocolError('forbidden', `A ${actor.role} cannot moderate a ${target.role}`);
  }
}
