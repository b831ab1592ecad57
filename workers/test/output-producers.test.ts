// Which producers a recording (and egress) carries: the studio's program and its audio mix when
// the host publishes one, else the first publisher's camera and microphone.
import { describe, expect, it } from 'vitest';
import type { MediaProducer } from '@roomcast/schema/protocol';
import { chooseOutputProducers, outputTracks, PARTNER_WAIT_MS } from '../src/rooms/media/output-producers.ts';

const p = (producerId: string, identity: string, kind: MediaProducer['kind'], source: MediaProducer['source']): MediaProducer => ({ producerId, identity, kind, source, paused: false });

const host = [p('cam', 'user:h', 'video', 'camera'), p('mic', 'user:h', 'audio', 'microphone')];
const guest = [p('g-cam', 'studio:g', 'video', 'camera'), p('g-mic', 'studio:g', 'audio', 'microphone')];
const program = [p('prog', 'user:h', 'video', 'program'), p('mix', 'user:h', 'audio', 'program_audio')];
const ids = (chosen: MediaProducer[]) => chosen.map((c) => c.producerId);

describe('outputTracks', () => {
  it('prefers the program and its mix over every person', () => {
    expect(ids(outputTracks([...guest, ...host, ...program]))).toEqual(['prog', 'mix']);
  });

  it('keeps the studio microphone while the mix is not produced yet', () => {
    expect(ids(outputTracks([...host, program[0]!]))).toEqual(['prog', 'mic']);
  });

  it('without a program: the first camera and that person microphone', () => {
    expect(ids(outputTracks([...guest, ...host]))).toEqual(['g-cam', 'g-mic']);
    expect(ids(outputTracks([p('scr', 'user:h', 'video', 'screen'), ...guest]))).toEqual(['g-cam', 'g-mic']);
  });

  it("without a program: the person's microphone before the sound of a clip they play in", () => {
    const clipSound = p('clip-a', 'user:h', 'audio', 'video_audio');
    expect(ids(outputTracks([clipSound, ...host]))).toEqual(['cam', 'mic']);
    expect(ids(outputTracks([host[0]!, clipSound]))).toEqual(['cam', 'clip-a']);
  });

  it('without a program: any video, any audio, never a stray program mix', () => {
    expect(ids(outputTracks([p('scr', 'enc', 'video', 'screen'), program[1]!, p('a', 'x', 'audio', 'microphone')]))).toEqual(['scr', 'a']);
    expect(ids(outputTracks([program[1]!]))).toEqual([]);
    expect(outputTracks([])).toEqual([]);
  });
});

describe('chooseOutputProducers', () => {
  it('waits a while for the partner of a lone track, then goes with it', () => {
    expect(chooseOutputProducers([], null, 1_000)).toEqual({ kind: 'none' });
    expect(chooseOutputProducers([host[0]!], null, 1_000)).toEqual({ kind: 'wait', since: 1_000, waitMs: PARTNER_WAIT_MS });
    expect(chooseOutputProducers([host[0]!], 1_000, 1_500)).toEqual({ kind: 'wait', since: 1_000, waitMs: PARTNER_WAIT_MS - 500 });
    expect(chooseOutputProducers([host[0]!], 1_000, 1_000 + PARTNER_WAIT_MS)).toEqual({ kind: 'ready', producerIds: ['cam'] });
    expect(chooseOutputProducers([...host, ...program], null, 1_000)).toEqual({ kind: 'ready', producerIds: ['prog', 'mix'] });
  });
});
