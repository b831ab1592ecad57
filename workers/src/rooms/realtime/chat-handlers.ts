// Chat and alerts from joined clients: validated by grant, mute, chat switch and rate, stored in the
// room's SQLite, then sent to everyone. Repeats (a retried clientId, pinning a pinned alert) answer
// the sender only.
import { ProtocolError, type ServerMessage } from '@roomcast/schema/protocol';
import { send, type Joined, type MessageOf } from './connection.ts';
import type { LiveRoom } from './live-room.ts';
import { hasGrant, requireGrant, requireOutranks } from './moderation.ts';
import { chatDeleted } from '../studio/studio-handlers.ts';

export function chatSend(room: LiveRoom, ws: WebSocket, att: Joined, message: MessageOf<'chat.send'>, now: number): void {
  requireGrant(att.role, 'chat');
  if (message.clientId) {
    const earlier = room.chat.byClientId(att.identity, message.clientId);
    if (earlier) return send(ws, { type: 'chat.message', ...earlier });
  }
  const moderator = hasGrant(att.role, 'moderate');
  // The two settings chat needs, not the whole room view (recording, HLS, studio): this runs per message.
  const { chat_enabled: chatEnabled, slow_mode_seconds: slowModeSeconds } = room.state.meta;
  if (!moderator) {
    if (chatEnabled !== 1) throw new ProtocolError('chat_disabled', 'Chat is turned off in this room');
    if (room.presence.get(att.identity)?.muted === 1) throw new ProtocolError('muted', 'A moderator has muted you');
  }
  room.chatLimits.check(att.identity, now, moderator ? 0 : slowModeSeconds);
  const stored = room.chat.add(att, message.text, message.clientId, now);
  room.sockets.broadcast({ type: 'chat.message', ...stored });
}

export function chatDelete(room: LiveRoom, _ws: WebSocket, att: Joined, message: MessageOf<'chat.delete'>): void {
  const target = room.chat.get(message.messageId);
  if (!target) throw new ProtocolError('not_found', `No message ${message.messageId}`);
  if (target.author.identity !== att.identity) {
    requireGrant(att.role, 'moderate');
    requireOutranks(att, { identity: target.author.identity, role: target.role });
  }
  room.chat.delete(message.messageId);
  room.sockets.broadcast({ type: 'chat.deleted', messageId: message.messageId, by: att.identity });
  chatDeleted(room, message.messageId);
}

export function chatHistory(room: LiveRoom, ws: WebSocket, _att: Joined, message: MessageOf<'chat.history'>): void {
  const page = room.chat.page(message.limit, message.before);
  send(ws, { type: 'chat.history', ...(message.id ? { id: message.id } : {}), ...page });
}

export function alertPost(room: LiveRoom, _ws: WebSocket, att: Joined, message: MessageOf<'alert.post'>, now: number): void {
  requireGrant(att.role, 'alerts.post');
  room.chatLimits.check(att.identity, now, 0);
  const alert = room.alerts.add(att, message, now);
  room.sockets.broadcast({ type: 'alert.posted', alert });
}

export function alertPin(room: LiveRoom, ws: WebSocket, att: Joined, message: MessageOf<'alert.pin'> | MessageOf<'alert.unpin'>): void {
  requireGrant(att.role, 'alerts.post');
  const result = room.alerts.setPinned(message.alertId, message.type === 'alert.pin');
  if (!result) throw new ProtocolError('not_found', `No alert ${message.alertId}`);
  const { alert } = result;
  const frame: ServerMessage = alert.pinned ? { type: 'alert.pinned', alert } : { type: 'alert.unpinned', alertId: alert.id };
  if (result.changed) room.sockets.broadcast(frame);
  else send(ws, frame);
}
