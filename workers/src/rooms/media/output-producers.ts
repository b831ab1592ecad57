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

/** What a recording's main file records, and the further tracks it already has. */
export interface RecordedSoFar {
  /** The producers of the main file (camera/program and microphone/mix). */
  mainProducerIds: readonly string[];
  /** The main file has a video stream (false: it started with a microphone alone). */
  mainHasVideo: boolean;
  /** Further tracks: the producer each records, and its kind. */
  tracks: readonly { producerId: string; kind: 'screen' | 'camera' }[];
}

/**
 * The producers a server recording records as tracks of their own, beside its main file (one
 * ffmpeg per track on the node, stream copy): every screen share (a share stopped and started
 * again is a new producer, so a new track), and a camera published only after the main file
 * started without video (a host who went live with the microphone first). ffmpeg cannot add a
 * stream to a file it is writing, so a late camera cannot join the main file.
 */
export function furtherTracks<P extends ProducerRow>(producers: readonly P[], recorded: RecordedSoFar): { producer: P; kind: 'screen' | 'camera' }[] {
  const taken = new Set([...recorded.mainProducerIds, ...recorded.tracks.map((t) => t.producerId)]);
  const open = producers.filter((p) => p.kind === 'video' && !taken.has(p.producerId));
  const found: { producer: P; kind: 'screen' | 'camera' }[] = open.filter((p) => p.source === 'screen').map((producer) => ({ producer, kind: 'screen' as const }));
  const camera = open.find((p) => p.source === 'camera');
  if (!recorded.mainHasVideo && camera && !recorded.tracks.some((t) => t.kind === 'camera')) found.push({ producer: camera, kind: 'camera' });
  return found;
}
