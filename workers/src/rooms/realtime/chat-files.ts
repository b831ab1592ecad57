// Files shared into a room's chat (storage/room-file-routes.ts calls these through the RoomDO).
// The message carries a reference only; whoever is in the room asks for a short-lived download.
import type { RoomRole } from '@roomcast/schema';
import type { ChatFile, ChatMessage } from '@roomcast/schema/protocol';
import type { LiveRoom } from './live-room.ts';

/** Posts the file as a chat message by `author`, who must be in the room; null when they are not. */
export function shareChatFile(room: LiveRoom, author: { identity: string; name: string; role: RoomRole }, file: ChatFile, text: string, now: number): ChatMessage | null {
  if (!room.presence.get(author.identity)) return null;
  const stored = room.chat.add(author, text, undefined, now, file);
  room.sockets.broadcast({ type: 'chat.message', ...stored });
  return stored;
}

/** Someone in the room, and a message still in the chat shares this file. */
export function mayDownloadChatFile(room: LiveRoom, identity: string, fileId: string): boolean {
  return room.presence.get(identity) !== undefined && room.chat.sharesFile(fileId);
}
