// Which producers the room sends out of itself (server recording, HLS and RTMP egress): one video
// and one audio, copied or transcoded once. When the host's studio publishes a program (the
// composed picture and its audio mix), that is the show; otherwise the first publisher's camera
// (any video if none) at its top layer and that publisher's microphone (any audio if none).
// Composing people side by side on the node would need a compositor: the studio does it.

/** How long to wait for a publisher's second track (camera, then microphone) before going with one. */
export const PARTNER_WAIT_MS = 2_000;

interface ProducerRow {
  producerId: string;
  kind: 'audio' | 'video';
  identity: string;
  source: string | null;
}

export type OutputChoice =
  /** Nothing to send out yet. */
  | { kind: 'none' }
  /** One track, within PARTNER_WAIT_MS of first seeing it: ask again after waitMs. */
  | { kind: 'wait'; since: number; waitMs: number }
  | { kind: 'ready'; producerIds: string[] };

/** The tracks the room's output carries, by the rule above (none, one or two). */
export function outputTracks<P extends ProducerRow>(producers: readonly P[]): P[] {
  const program = producers.find((p) => p.kind === 'video' && p.source === 'program');
  if (program) {
    const mix = producers.find((p) => p.kind === 'audio' && p.source === 'program_audio' && p.identity === program.identity);
    // A program without its mix (still producing): the studio's own microphone keeps the sound.
    const audio = mix ?? producers.find((p) => p.kind === 'audio' && p.source === 'microphone' && p.identity === program.identity);
    return audio ? [program, audio] : [program];
  }
  const people = producers.filter((p) => p.source !== 'program_audio');
  const video = people.find((p) => p.kind === 'video' && p.source === 'camera') ?? people.find((p) => p.kind === 'video');
  // That person's microphone before a clip's sound they play in (both are audio of one identity).
  const theirs = video ? people.filter((p) => p.kind === 'audio' && p.identity === video.identity) : [];
  const audio = theirs.find((p) => p.source === 'microphone') ?? theirs[0] ?? people.find((p) => p.kind === 'audio');
  return [video, audio].filter((p) => p !== undefined);
}

/** `waitingSince`: when the caller first saw one track without its partner (null: not yet). */
export function chooseOutputProducers(all: readonly ProducerRow[], waitingSince: number | null, now: number): OutputChoice {
  const producerIds = outputTracks(all).map((p) => p.producerId);
  if (producerIds.length === 0) return { kind: 'none' };
  if (producerIds.length === 1 && (waitingSince === null || now - waitingSince < PARTNER_WAIT_MS)) {
    const since = waitingSince ?? now;
    return { kind: 'wait', since, waitMs: PARTNER_WAIT_MS - (now - since) };
  }
  return { kind: 'ready', producerIds };
}
