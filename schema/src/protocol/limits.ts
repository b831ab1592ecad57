// Numbers both ends of the room socket agree on. The server enforces them; clients may use them to
// validate before sending.

/** The protocol version a client names in `hello`. Bumped only for incompatible changes. */
export const PROTOCOL_VERSION = 1;

/** Largest frame the room accepts, in bytes (UTF-8). Larger frames get `frame_too_large`. */
export const MAX_FRAME_BYTES = 16 * 1024;

/** Longest chat message and alert text, in characters, after trimming. */
export const MAX_CHAT_CHARS = 1000;
export const MAX_ALERT_CHARS = 500;

/** Most chat messages in one history page. */
export const MAX_HISTORY_PAGE = 100;

/** Longest slow-mode interval a moderator may set. */
export const MAX_SLOW_MODE_SECONDS = 3600;

/**
 * Close codes the room uses. 1008 (policy violation) for an unsupported protocol, a refused token,
 * a full room, a kick or a ban; 1000 when the room ends; 4000 when the server drops a stale or
 * replaced connection (a client may reconnect and resume).
 */
export const CLOSE_CODES = {
  normal: 1000,
  policy: 1008,
  internal: 1011,
  stale: 4000,
  replaced: 4001,
} as const;
