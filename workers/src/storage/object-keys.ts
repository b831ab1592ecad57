// Object keys. Every key starts with the organization's id, so one tenant's objects never share a
// prefix with another's (a lifecycle rule, a listing or a leaked prefix stays inside one tenant).
// The stored name is not the user's file name (that lives in Postgres): keys stay ASCII and safe.

export const fileObjectKey = (organizationId: string, fileId: string) => `org/${organizationId}/files/${fileId}`;

export const recordingObjectKey = (organizationId: string, recordingId: string) => `org/${organizationId}/recordings/${recordingId}/recording.mp4`;
/** A recording's further track (a screen share, a late camera): a video-only WebM or MP4 beside the recording. */
export const recordingTrackObjectKey = (organizationId: string, recordingId: string, trackId: string) => `org/${organizationId}/recordings/${recordingId}/tracks/${trackId}`;
export const recordingPosterKey = (organizationId: string, recordingId: string) => `org/${organizationId}/recordings/${recordingId}/poster.jpg`;

/** True when `key` belongs to the organization (a check before signing anything for it). */
export const isOrganizationKey = (organizationId: string, key: string) => key.startsWith(`org/${organizationId}/`) && !key.includes('..');

/** One HLS run's files (playlist, init segment, segments): the run stays as a VOD under it. */
export const hlsKeyPrefix = (organizationId: string, roomId: string, hlsId: string) => `org/${organizationId}/hls/${roomId}/${hlsId}/`;
/** The organization, room and run an HLS key prefix (or a key under it) names; null for anything else. */
export function hlsRunOfKey(key: string): { organizationId: string; roomId: string; hlsId: string; keyPrefix: string } | null {
  const match = /^org\/([0-9a-f-]{36})\/hls\/([0-9a-f-]{36})\/([0-9a-f-]{36})\//.exec(key);
  return match ? { organizationId: match[1]!, roomId: match[2]!, hlsId: match[3]!, keyPrefix: match[0] } : null;
}
