// The VOD player's screen switch: where the screen track is at a moment of the recording.
import { describe, expect, it } from 'vitest';
import { trackTime } from '../../src/components/vod-tracks.ts';

describe('trackTime', () => {
  it('shifts by the offset at which the share began', () => {
    expect(trackTime(10, 4000, 30)).toBe(6);
    expect(trackTime(4, 4000, 30)).toBe(0);
  });
  it('answers null before the share began and after it ended', () => {
    expect(trackTime(3.9, 4000, 30)).toBeNull();
    expect(trackTime(34.5, 4000, 30)).toBeNull();
  });
  it('keeps going while the track has no known duration yet (a streamed WebM)', () => {
    expect(trackTime(100, 0, Number.NaN)).toBe(100);
    expect(trackTime(100, 0, Number.POSITIVE_INFINITY)).toBe(100);
  });
});
