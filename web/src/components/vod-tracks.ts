// Lining a recording's further track (a screen share recorded as its own file) up with the
// recording: the track began `offsetMs` after the recording did.

/** Where a track is at the recording's `time` (s), or null when the track was not running then. */
export function trackTime(time: number, offsetMs: number, duration: number): number | null {
  const t = time - offsetMs / 1000;
  return t < 0 || (Number.isFinite(duration) && t > duration) ? null : t;
}
