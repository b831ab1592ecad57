// Joining an HLS run's legs (egress/hls-legs.ts): the text players and the library read once a run
// outlived its node. Playlists as ffmpeg's HLS muxer writes them (fMP4, EVENT).
import { describe, expect, it } from 'vitest';
import { joinLegs, legFile } from '../src/egress/hls-legs.ts';

const leg = (target: number, segments: number[], ended = false) =>
  [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:1',
    '#EXT-X-PLAYLIST-TYPE:EVENT',
    '#EXT-X-MAP:URI="init.mp4"',
    ...segments.flatMap((n) => ['#EXTINF:1.000000,', `seg${n}.m4s`]),
    ...(ended ? ['#EXT-X-ENDLIST'] : []),
    '',
  ].join('\n');

describe('joining the legs of an HLS run', () => {
  it('leaves a run of one leg exactly as its node wrote it', () => {
    expect(joinLegs([leg(1, [1, 2])])).toBe(leg(1, [1, 2]));
    expect(joinLegs([null])).toBeNull();
  });

  it('joins legs in order under one header, each after a discontinuity with its own init segment and files', () => {
    const joined = joinLegs([leg(1, [1, 2]), leg(2, [1]), leg(1, [1, 2], true)])!;
    expect(joined.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MEDIA-SEQUENCE:1',
      '#EXT-X-PLAYLIST-TYPE:EVENT',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:1.000000,',
      'seg1.m4s',
      '#EXTINF:1.000000,',
      'seg2.m4s',
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-MAP:URI="l2-init.mp4"',
      '#EXTINF:1.000000,',
      'l2-seg1.m4s',
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-MAP:URI="l3-init.mp4"',
      '#EXTINF:1.000000,',
      'l3-seg1.m4s',
      '#EXTINF:1.000000,',
      'l3-seg2.m4s',
      '#EXT-X-ENDLIST',
      '',
    ]);
  });

  it('stays live while the newest leg has not written its playlist, and ends when the run ended', () => {
    const waiting = joinLegs([leg(1, [1]), null])!;
    expect(waiting).not.toContain('#EXT-X-DISCONTINUITY');
    expect(waiting).not.toContain('#EXT-X-ENDLIST');
    expect(waiting.split('\n')).toContain('seg1.m4s');
    // A cut-off leg never wrote #EXT-X-ENDLIST; the ended run's joined playlist has it once.
    const ended = joinLegs([leg(1, [1]), leg(1, [1])], { ended: true })!;
    expect(ended.match(/#EXT-X-ENDLIST/g)).toHaveLength(1);
    // An ended leg followed by a live one is not the end.
    expect(joinLegs([leg(1, [1], true), leg(1, [1])])).not.toContain('#EXT-X-ENDLIST');
  });

  it('names leg 1 plainly and later legs with their number', () => {
    expect([legFile(1, 'index.m3u8'), legFile(2, 'seg7.m4s'), legFile(12, 'init.mp4')]).toEqual(['index.m3u8', 'l2-seg7.m4s', 'l12-init.mp4']);
  });
});
