// Which producers the room sends out of itself (server recording, HLS and RTMP egress): the first
// publisher's camera (any video if none) at its top layer, and that publisher's microphone (any
// audio if none). One file or stream holds one video and one audio, copied or transcoded once:
// composing people side by side would need a compositor.

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

/** `waitingSince`: when the caller first saw one track without its partner (null: not yet). */
export function chooseOutputProducers(all: ProducerRow[], waitingSince: number | null, now: number): OutputChoice {
  const video = all.find((p) => p.kind === 'video' && p.source === 'camera') ?? all.find((p) => p.kind === 'video');
  const audio = (video && all.find((p) => p.kind === 'audio' && p.identity === video.identity)) ?? all.find((p) => p.kind === 'audio');
  const producerIds = [video, audio].filter((p) => p !== undefined).map((p) => p.producerId);
  if (producerIds.length === 0) return { kind: 'none' };
  if (producerIds.length === 1 && (waitingSince === null || now - waitingSince < PARTNER_WAIT_MS)) {
    const since = waitingSince ?? now;
    return { kind: 'wait', since, waitMs: PARTNER_WAIT_MS - (now - since) };
  }
  return { kind: 'ready', producerIds };
}
