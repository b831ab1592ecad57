// The viewer's choice between WebRTC and the room's HLS run (web/src/room/ui/playback-mode.ts).
import { describe, expect, it } from 'vitest';
import { fellBackTo, playbackMode, type HlsRunState } from '../../src/room/ui/playback-mode.ts';

const run = (state: HlsRunState['state'], id = 'run-1'): HlsRunState => ({ id, state });

describe('playback mode', () => {
  it('falls back to a live run only while WebRTC fails, never to a run that is not live yet', () => {
    expect(fellBackTo(run('live'), false, undefined)).toBeUndefined();
    expect(fellBackTo(run('starting'), true, undefined)).toBeUndefined();
    expect(fellBackTo(null, true, undefined)).toBeUndefined();
    expect(fellBackTo(run('live'), true, undefined)).toBe('run-1');
  });

  it('keeps a viewer who fell back on HLS while the run goes on as its next leg, and back on WebRTC once it ends', () => {
    let fallback = fellBackTo(run('live'), true, undefined);
    const mode = (r: HlsRunState | null) => playbackMode({ hlsUrl: true, forced: false, run: r, fellBackTo: fallback });
    expect(mode(run('live'))).toBe('hls');
    // The run's node is lost: WebRTC's producers are gone too (no longer "failing"), the run waits for its next leg.
    fallback = fellBackTo(run('starting'), false, fallback);
    expect(mode(run('starting'))).toBe('hls');
    expect(mode(run('live'))).toBe('hls');
    expect(mode(run('ended'))).toBe('webrtc');
    expect(mode(run('failed'))).toBe('webrtc');
    // A later run is not the one this viewer fell back to.
    expect(mode(run('live', 'run-2'))).toBe('webrtc');
  });

  it('stays on WebRTC for a viewer whose WebRTC works, and without an HLS URL', () => {
    expect(playbackMode({ hlsUrl: true, forced: false, run: run('live'), fellBackTo: undefined })).toBe('webrtc');
    expect(playbackMode({ hlsUrl: false, forced: true, run: run('live'), fellBackTo: 'run-1' })).toBe('webrtc');
  });

  it('plays HLS when asked or when the room is full, whatever the run', () => {
    expect(playbackMode({ hlsUrl: true, forced: true, run: null, fellBackTo: undefined })).toBe('hls');
  });
});
