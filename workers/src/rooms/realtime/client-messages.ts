// What arrives on a client's room socket. Before hello only hello and ping are accepted; after it,
// each message type has one handler in a table, so a type without a handler does not compile.
// Failures become error frames (ProtocolError) and never escape: the connection stays usable unless
// the error says to close it.
import { type ClientMessage, ProtocolError } from '@roomcast/schema/protocol';
import { alertPin, alertPost, chatDelete, chatHistory, chatSend } from './chat-handlers.ts';
import { send, sendError, type Joined, type MessageOf } from './connection.ts';
import { decodeFrame } from './decode.ts';
import { budgetOf } from './fanout-limits.ts';
import { hello } from './hello.ts';
import { endFromSocket } from './housekeeping.ts';
import { leaveBySocket } from './leaving.ts';
import type { LiveRoom } from './live-room.ts';
import { chatSwitch, handLower, handRaise, mute, remove, slowMode } from './moderation-handlers.ts';
import { backstagePreview, backstageSend, bannerHide, bannerShow, stageMove, stageMute, studioLayout } from '../studio/studio-handlers.ts';

type Type = ClientMessage['type'];
type Handler<T extends Type> = (room: LiveRoom, ws: WebSocket, att: Joined, message: MessageOf<T>, now: number) => void | Promise<void>;

const pong = (ws: WebSocket, message: MessageOf<'ping'>, now: number) => send(ws, { type: 'pong', ts: message.ts, serverTime: now });

/** A joined socket's messages; media requests are answered by the relay (media-requests.ts). */
const HANDLERS: { [T in Type]: Handler<T> } = {
  hello: () => {
    throw new ProtocolError('already_joined', 'This connection has already joined');
  },
  ping: (_room, ws, _att, message, now) => pong(ws, message, now),
  leave: (room, ws, att) => leaveBySocket(room, ws, att),
  'chat.send': chatSend,
  'chat.delete': chatDelete,
  'chat.history': chatHistory,
  'alert.post': alertPost,
  'alert.pin': alertPin,
  'alert.unpin': alertPin,
  'hand.raise': handRaise,
  'hand.lower': handLower,
  'moderation.mute': mute,
  'moderation.kick': remove,
  'moderation.ban': remove,
  'moderation.slow_mode': slowMode,
  'moderation.chat': chatSwitch,
  'room.end': endFromSocket,
  'stage.move': stageMove,
  'stage.mute': stageMute,
  'studio.layout': studioLayout,
  'banner.show': bannerShow,
  'banner.hide': bannerHide,
  'backstage.send': backstageSend,
  'backstage.preview': backstagePreview,
  request: (room, ws, att, message) => room.media.handleRequest(ws, att, message),
};

/** One frame from a client socket; every failure is answered on the socket. */
export async function receiveClientFrame(room: LiveRoom, ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
  let id: string | undefined;
  try {
    const decoded = decodeFrame(data);
    if (!decoded.ok) {
      id = decoded.id;
      throw decoded.error;
    }
    id = decoded.message.id;
    await handle(room, ws, decoded.message);
  } catch (error) {
    reportError(room, ws, error, id);
  }
}

async function handle(room: LiveRoom, ws: WebSocket, message: ClientMessage): Promise<void> {
  const att = room.sockets.get(ws);
  const now = Date.now();
  att.lastSeen = now;
  if (att.phase === 'closed') return;
  if (att.phase === 'pending') {
    if (message.type === 'ping') return pong(ws, message, now);
    if (message.type !== 'hello') throw new ProtocolError('hello_required', 'Send hello first');
    return hello(room, ws, message);
  }
  room.sockets.persistLastSeen(ws, att);
  const budget = budgetOf(message, att.identity);
  if (budget) room.fanout.check(budget, att.identity, now);
  return dispatch(room, ws, att, message, now);
}

function dispatch<T extends Type>(room: LiveRoom, ws: WebSocket, att: Joined, message: MessageOf<T>, now: number): void | Promise<void> {
  return HANDLERS[message.type as T](room, ws, att, message, now);
}

function reportError(room: LiveRoom, ws: WebSocket, error: unknown, id: string | undefined): void {
  if (error instanceof ProtocolError) {
    sendError(ws, error.code, error.message, id);
    if (error.close !== undefined) room.sockets.markAndClose(ws, error.close, error.code);
    return;
  }
  console.error('room: handler failed', error);
  sendError(ws, 'internal', 'Something went wrong in the room; the connection is still usable', id);
}
