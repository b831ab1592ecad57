// The one error of the room's media half: its code and message become the client's error response.
import type { ErrorCode } from '@roomcast/schema/protocol';

export class MediaFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The `media.status` error while the room has no live session (live-session.ts). */
export const NOT_LIVE = 'room_not_live';

export const notLive = (): MediaFailure => new MediaFailure('room_not_live', 'Media starts when the room goes live');
