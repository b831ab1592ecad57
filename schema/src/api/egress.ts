// HLS egress of a live room (workers/src/egress/).
import { z } from 'zod';

export const HlsRun = z.object({
  id: z.string(),
  state: z.enum(['starting', 'live', 'ended', 'failed']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type HlsRun = z.infer<typeof HlsRun>;

/** The room's current or last HLS run and the playlist URL to play it (carrying a play token when the room is not public). */
export const HlsStatus = z.object({ hls: HlsRun.nullable(), playlistUrl: z.string() });
export type HlsStatus = z.infer<typeof HlsStatus>;
