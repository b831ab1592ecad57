// Writing the duration into a WebM streamed without one, for the layout Chromium's MediaRecorder
// writes (the studio's local recording): no Void before Info, so Info's WritingApp "Chrome" gives
// its 9 bytes to a float32 Duration and a 2-byte Void. ffmpeg's layout (a Void before Info) is
// proven through the media node's recorder (media-node/test/recording-recorder.test.ts) and ffprobe.
import { describe, expect, it } from 'vitest';
import { patchWebmDuration } from '../src/media/webm-duration.ts';

/** The first 96 bytes of a WebM Chromium 156's MediaRecorder wrote (vp8 + opus): EBML, Segment (unknown size), Info, start of Tracks. */
const CHROME_HEADER =
  '1a45dfa39f4286810142f7810142f2810442f381084282847765626d42878104428581021853806701ffffffffffffff' +
  '1549a966992ad7b1830f42404d80864368726f6d655741864368726f6d651654ae6beaaebdd7810173c587adf47127f3';

const bytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));

describe('patchWebmDuration on a MediaRecorder header', () => {
  it('puts a float32 Duration where WritingApp was, keeping every length, once', () => {
    const header = bytes(CHROME_HEADER);
    const before = header.slice();
    expect(patchWebmDuration(header, 8_437)).toBe(true);
    expect(header.length).toBe(before.length);
    // WritingApp sat at 0x45 (id 57 41, size 86, "Chrome"): now Duration (44 89 84 + float32) and a Void (ec 80).
    const at = 0x45;
    expect([...header.slice(at, at + 3)]).toEqual([0x44, 0x89, 0x84]);
    expect(new DataView(header.buffer, at + 3, 4).getFloat32(0)).toBe(8_437);
    expect([...header.slice(at + 7, at + 9)]).toEqual([0xec, 0x80]);
    // Nothing else moved: EBML header, Info's other fields, Tracks.
    expect([...header.slice(0, at)]).toEqual([...before.slice(0, at)]);
    expect([...header.slice(at + 9)]).toEqual([...before.slice(at + 9)]);
    // A header that has its Duration is left alone.
    const again = header.slice();
    expect(patchWebmDuration(again, 1)).toBe(false);
    expect(again).toEqual(header);
  });

  it('changes nothing in bytes that are not a WebM header', () => {
    const junk = new Uint8Array(64).fill(7);
    expect(patchWebmDuration(junk, 1000)).toBe(false);
    expect(junk).toEqual(new Uint8Array(64).fill(7));
  });
});
