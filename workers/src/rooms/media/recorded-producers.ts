// Which producers a room's server-side output carries (recording today; HLS and RTMP egress reuse
// the same rule): one video and one audio, copied without transcoding. When the host's studio
// publishes a program (the composed picture and its audio mix), that is the show; otherwise the
// first publisher's camera (any video if none) and their microphone (any audio if none).
import type { MediaProducer } from '@roomcast/schema/protocol';

export function chooseOutputProducers(producers: readonly MediaProducer[]): MediaProducer[] {
  const program = producers.find((p) => p.kind === 'video' && p.source === 'program');
  if (program) {
    const mix = producers.find((p) => p.kind === 'audio' && p.source === 'program_audio' && p.identity === program.identity);
    // A program without its mix (still producing): the studio's own microphone keeps the sound.
    const audio = mix ?? producers.find((p) => p.kind === 'audio' && p.source === 'microphone' && p.identity === program.identity);
    return audio ? [program, audio] : [program];
  }
  const people = producers.filter((p) => p.source !== 'program_audio');
  const video = people.find((p) => p.kind === 'video' && p.source === 'camera') ?? people.find((p) => p.kind === 'video');
  const audio = (video && people.find((p) => p.kind === 'audio' && p.identity === video.identity)) ?? people.find((p) => p.kind === 'audio');
  return [video, audio].filter((p) => p !== undefined);
}
