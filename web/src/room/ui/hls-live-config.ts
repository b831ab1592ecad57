// How a live room's HLS is played (hls.js): the viewer page, the embed player and
// `npm run bench:egress` (which measures glass-to-glass latency in Chromium with exactly this)
// share it. The node writes 1 s fMP4 segments with no partial segments (Debian's ffmpeg 5.1 has
// no LL-HLS), so latency is mostly how far behind the playlist's live edge the player sits:
// hls.js's default is 3 target durations (about 3 s more than needed). Playing 1.5 s behind the
// edge keeps a segment and a half buffered, which rides out a late playlist refresh; a player
// that falls behind (a stall, a slow segment) plays slightly faster to catch up rather than
// jumping, and jumps only when more than 5 s behind.
import type { HlsConfig } from 'hls.js';

/** How long a player keeps asking for a playlist that is not there yet (HLS just started). */
const MANIFEST_RETRIES = 30;
const manifestRetry = { maxNumRetry: MANIFEST_RETRIES, retryDelayMs: 1000, maxRetryDelayMs: 2000 };

export const LIVE_HLS_CONFIG = {
  lowLatencyMode: true,
  liveSyncDuration: 1.5,
  liveMaxLatencyDuration: 5,
  maxLiveSyncPlaybackRate: 1.15,
  // A live viewer never seeks back far: keep the decoder's memory small.
  backBufferLength: 10,
  manifestLoadPolicy: { default: { maxTimeToFirstByteMs: 10_000, maxLoadTimeMs: 20_000, timeoutRetry: manifestRetry, errorRetry: manifestRetry } },
} satisfies Partial<HlsConfig>;

/** Fatal network errors (a playlist that failed to load or parse) the player recovers from in a row, 1 s apart. */
export const LIVE_NETWORK_RETRIES = 5;
