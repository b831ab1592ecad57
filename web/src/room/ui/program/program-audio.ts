// What the program's audio mix hears: the microphones of the people on stage (the host's own
// included) and the sound of any clip played into the show (this studio's, or a co-host's: the
// clip's picture is a tile whoever plays it). Not backstage guests, not viewers, not another
// studio's program. Pure, so the rule is tested without a browser.
import type { RoomViewState } from '@roomcast/client';

export function programAudio(
  state: Pick<RoomViewState, 'media'>,
  stage: ReadonlySet<string>,
  own: { microphone?: MediaStreamTrack | undefined; videoAudio?: MediaStreamTrack | undefined },
): MediaStreamTrack[] {
  const heard = state.media.remote
    .filter((r) => r.producer.kind === 'audio' && ((r.producer.source === 'microphone' && stage.has(r.producer.identity)) || r.producer.source === 'video_audio'))
    .map((r) => r.track);
  return [own.microphone, own.videoAudio, ...heard].filter((t) => t !== undefined);
}
