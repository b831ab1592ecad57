// How a live room's HLS is played (hls.js): the viewer page, the embed player and
// `npm run bench:egress` (which measures glass-to-glass latency in Chromium with exactly this)
// share it. The node writes 1 s fMP4 segments with no partial segments (Debian's ffmpeg 5.1 has
// no LL-HLS), so latency is mostly how far behind the playlist's live edge the player sits: two
// segments here. Sitting 1.5 s behind (liveSyncDuration 1.5, catching up at 1.15x) measured lower
// latency in bench:egress but made the HLS e2e stall in 1 of 4 runs on this machine, so it waits
// for a steadier measurement.
import type { HlsConfig } from 'hls.js';

/** How long a player keeps asking for a playlist that is not there yet (HLS just started). */
const MANIFEST_RETRIES = 30;
const manifestRetry = { maxNumRetry: MANIFEST_RETRIES, retryDelayMs: 1000, maxRetryDelayMs: 2000 };

export const LIVE_HLS_CONFIG = {
  lowLatencyMode: true,
  liveSyncDurationCount: 2,
  manifestLoadPolicy: { default: { maxTimeToFirstByteMs: 10_000, maxLoadTimeMs: 20_000, timeoutRetry: manifestRetry, errorRetry: manifestRetry } },
} satisfies Partial<HlsConfig>;

/** Fatal network errors (a playlist that failed to load or parse) the player recovers from in a row, 1 s apart. */
export const LIVE_NETWORK_RETRIES = 5;
