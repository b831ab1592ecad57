// Per-connection state lives in the socket attachment (serializeAttachment), so it survives the
// object hibernating or being evicted while the socket stays open.
import { CLOSE_CODES, type ClientMessage, type ErrorCode, type ServerMessage } from '@roomcast/schema/protocol';
import type { RoomRole } from '@roomcast/schema';

export type Attachment =
  /** clientFp: the fingerprint of the address the socket connected from (client-fingerprint.ts). */
  | { phase: 'pending'; connectedAt: number; lastSeen: number; clientFp?: string | undefined }
  | {
      phase: 'joined';
      connectedAt: number;
      lastSeen: number;
      identity: string;
      name: string;
      role: RoomRole;
      organizationId: string;
      /** The API key that minted the participant's token, if one did. */
      apiKeyId?: string | undefined;
    }
  /** The server is closing it (kick, replace, stale, end): its close event changes nothing. */
  | { phase: 'closed'; connectedAt: number; lastSeen: number };

export type Joined = Extract<Attachment, { phase: 'joined' }>;

export type MessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;

export function send(ws: WebSocket, message: ServerMessage): void {
  sendRaw(ws, JSON.stringify(message));
}

export function sendRaw(ws: WebSocket, frame: string): void {
  try {
    ws.send(frame);
  } catch {
    // The peer is gone; its close event does the cleanup.
  }
}

export function sendError(ws: WebSocket, code: ErrorCode, message: string, id?: string): void {
  send(ws, id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id });
}

export function closeSocket(ws: WebSocket, code: number = CLOSE_CODES.normal, reason = ''): void {
  try {
    // Close reasons are limited to 123 bytes.
    ws.close(code, reason.slice(0, 120));
  } catch {
    // Already closed.
  }
}
