// The one permission matrix. The API, the RoomDO and the web app all ask `can(role, permission)`;
// nothing else decides what a role may do.

export const ROLES = ['owner', 'admin', 'host', 'cohost', 'moderator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles inside a room: the member roles plus `guest`, a studio guest invited by link (never a
 * member of the organization). Ranked lowest, so every moderator may act on a guest.
 */
export const ROOM_ROLES = [...ROLES, 'guest'] as const;
export type RoomRole = (typeof ROOM_ROLES)[number];

export const PERMISSIONS = {
  'organization.update': ['owner', 'admin'],
  'workspace.read': ['owner', 'admin', 'host', 'cohost', 'moderator', 'viewer'],
  'workspace.manage': ['owner', 'admin'],
  'member.read': ['owner', 'admin', 'host', 'cohost', 'moderator', 'viewer'],
  'member.manage': ['owner', 'admin'],
  'room.read': ['owner', 'admin', 'host', 'cohost', 'moderator', 'viewer'],
  'room.manage': ['owner', 'admin', 'host'],
  'room.start': ['owner', 'admin', 'host', 'cohost'],
  'room.end': ['owner', 'admin', 'host'],
  'room.join': ['owner', 'admin', 'host', 'cohost', 'moderator', 'viewer'],
  // Uploaded files: every member reads and downloads; those who may go live upload and delete.
  'file.read': ['owner', 'admin', 'host', 'cohost', 'moderator', 'viewer'],
  'file.manage': ['owner', 'admin', 'host', 'cohost'],
  // Server recordings: started and stopped by those who may go live; watched by every member.
  'recording.read': ['owner', 'admin', 'host', 'cohost', 'moderator', 'viewer'],
  'recording.manage': ['owner', 'admin', 'host', 'cohost'],
  // Multistream destinations hold platforms' stream keys: added and removed by those who run rooms
  // (started and stopped in a live room with recording.manage, like HLS).
  'egress.manage': ['owner', 'admin', 'host'],
  'apikey.manage': ['owner', 'admin'],
  // Webhook endpoints hold signing secrets: managed like API keys, by people, never by a key.
  'webhook.manage': ['owner', 'admin'],
  'billing.manage': ['owner', 'admin'],
  // Single sign-on and sign-in rules (SSO settings, required second factor): people, never a key.
  'security.manage': ['owner', 'admin'],
  'usage.read': ['owner', 'admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** What an API key may do inside its organization: provisioning, not people or keys. */
export const API_KEY_PERMISSIONS: readonly Permission[] = [
  'workspace.read',
  'workspace.manage',
  'member.read',
  'room.read',
  'room.manage',
  'room.start',
  'room.end',
  'room.join',
  'file.read',
  'file.manage',
  'recording.read',
  'recording.manage',
  'egress.manage',
  'usage.read',
];

/** Grants carried in a room token and enforced by the RoomDO. */
export const ROOM_GRANTS = {
  // A guest publishes only while on stage (the RoomDO checks the stage on every produce).
  publish: ['owner', 'admin', 'host', 'cohost', 'guest'],
  /** Bring guests on stage or send them backstage, and switch the layout: host and co-hosts. */
  stage: ['owner', 'admin', 'host', 'cohost'],
  chat: ['owner', 'admin', 'host', 'cohost', 'moderator', 'viewer', 'guest'],
  'alerts.post': ['owner', 'admin', 'host', 'cohost', 'moderator'],
  moderate: ['owner', 'admin', 'host', 'cohost', 'moderator'],
  'room.end': ['owner', 'admin', 'host'],
} as const satisfies Record<string, readonly RoomRole[]>;
export type RoomGrant = keyof typeof ROOM_GRANTS;

export function grantsFor(role: RoomRole): RoomGrant[] {
  return (Object.keys(ROOM_GRANTS) as RoomGrant[]).filter((g) =>
    (ROOM_GRANTS[g] as readonly RoomRole[]).includes(role),
  );
}

/**
 * Roles that count against the plan's "hosts" limit: every member who may go live. Studio guests
 * publish too, but they are not members and sit on the room's stage instead (see STAGE_LIMIT).
 */
export const HOST_ROLES: readonly Role[] = ['owner', 'admin', 'host', 'cohost'];

/** Who may hand out which role: only an owner makes owners. */
export function canAssignRole(actor: Role, target: Role): boolean {
  if (!can(actor, 'member.manage')) return false;
  return target !== 'owner' || actor === 'owner';
}
