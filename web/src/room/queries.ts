// The room pages' router queries and server calls (the server half is room.server.ts).
import { query } from '@solidjs/router';
import { loadRoomPage } from './room.server';

export type { JoinResult, PublicRoom, RoomFileChoice, RoomPage } from './room.server';
export type { GuestInviteSummary } from '@roomcast/schema/api';
export type { ClipChoice } from './clips.server';
export { clipPlaybackUrl, listClipLibrary } from './clips.server';
export { createGuestInvite, endRoom, joinAsStudioGuest, joinRoom, listGuestInvites, listRoomFiles, rejoinRoom, revokeGuestInvite, roomFileDownload, shareRoomFile, startRoom } from './room.server';

/** The room behind `/r/{org}/{room}` (or `/embed/{roomId}`), as this visitor may see it. */
export const getRoomPage = query(loadRoomPage, 'room-page');
