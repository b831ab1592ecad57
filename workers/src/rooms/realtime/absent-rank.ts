// The rank of someone a moderator names who is not in the room, so rank holds present or not:
// guests rank as viewers (and may be banned before they come); a member ranks by their role in the
// organization now; anyone else (an API key's user) has no rank the room can know, so they can be
// banned only while present.
import { ProtocolError } from '@roomcast/schema/protocol';
import type { Role } from '@roomcast/schema';
import { isUuid } from '../../auth/tokens.ts';
import type { Config } from '../../config.ts';
import { isGuestIdentity, isMemberIdentity } from '../identities.ts';
import { memberRole } from './postgres.ts';

export async function absentRole(config: Config, organizationId: string, identity: string): Promise<Role> {
  if (isGuestIdentity(identity)) return 'viewer';
  const userId = isMemberIdentity(identity) ? identity.slice('user:'.length) : undefined;
  const role = userId && isUuid(userId) ? await memberRole(config, organizationId, userId) : null;
  if (role) return role;
  throw new ProtocolError('not_found', `${identity} is not in this room; only guests and members can be banned before they join`);
}
