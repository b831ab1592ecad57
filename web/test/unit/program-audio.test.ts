// Which tracks the program's audio mix hears: the on-stage microphones, the host's own, and any
// played-in clip's sound; never a backstage guest's microphone or a stray program mix.
import { describe, expect, it } from 'vitest';
import type { RoomViewState } from '@roomcast/client';
import type { MediaProducer } from '@roomcast/schema/protocol';
import { programAudio } from '../../src/room/ui/program/program-audio.ts';

const track = (id: string) => ({ id }) as MediaStreamTrack;
const remote = (identity: string, kind: MediaProducer['kind'], source: MediaProducer['source']) => ({
  producer: { producerId: `${identity}/${source}`, identity, kind, source, paused: false },
  consumer: {},
  track: track(`${identity}/${source}`),
});
const state = (...r: ReturnType<typeof remote>[]) => ({ media: { remote: r } }) as unknown as Pick<RoomViewState, 'media'>;
const ids = (tracks: MediaStreamTrack[]) => tracks.map((t) => t.id);

describe('programAudio', () => {
  it("mixes the host's microphone and clip, the stage's microphones and a co-host's clip sound", () => {
    const room = state(
      remote('guest-on', 'audio', 'microphone'),
      remote('guest-back', 'audio', 'microphone'),
      remote('cohost', 'audio', 'video_audio'),
      remote('guest-on', 'video', 'camera'),
      remote('other', 'audio', 'program_audio'),
    );
    const heard = programAudio(room, new Set(['host', 'guest-on']), { microphone: track('host/microphone'), videoAudio: track('host/video_audio') });
    expect(ids(heard)).toEqual(['host/microphone', 'host/video_audio', 'guest-on/microphone', 'cohost/video_audio']);
  });

  it('without a clip or a microphone, only what the stage says', () => {
    expect(ids(programAudio(state(remote('guest-back', 'audio', 'microphone')), new Set(['host']), {}))).toEqual([]);
  });
});
