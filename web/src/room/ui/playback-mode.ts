// Which stream a viewer watches: WebRTC in real time, or the room's HLS run (a few seconds behind).
// A viewer whose WebRTC failed while a run was live stays on that run until it ends: when the
// run's node is lost it goes on as its next leg (state `starting` meanwhile) and hls.js waits at
// the playlist's end, whereas WebRTC, which already failed this viewer, would likely fail again.

export interface HlsRunState {
  id: string;
  state: 'starting' | 'live' | 'ended' | 'failed';
}

export interface PlaybackInput {
  /** The room has an HLS URL this viewer may play (absent: WebRTC only). */
  hlsUrl: boolean;
  /** `?playback=hls`, or the room refused a WebRTC seat (full). */
  forced: boolean;
  run: HlsRunState | null | undefined;
  /** The run this viewer fell back to (fellBackTo). */
  fellBackTo: string | undefined;
}

/** The run to fall back to now: a live run while WebRTC is failing this viewer (stalled or erring). */
export function fellBackTo(run: HlsRunState | null | undefined, webrtcFailing: boolean, current: string | undefined): string | undefined {
  return run?.state === 'live' && webrtcFailing ? run.id : current;
}

export function playbackMode(input: PlaybackInput): 'hls' | 'webrtc' {
  if (!input.hlsUrl) return 'webrtc';
  if (input.forced) return 'hls';
  const run = input.run;
  return run && (run.state === 'live' || run.state === 'starting') && input.fellBackTo === run.id ? 'hls' : 'webrtc';
}
