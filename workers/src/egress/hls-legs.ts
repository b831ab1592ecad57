// An HLS run that outlives its media node. Each node's ffmpeg writes one leg of the run: its own
// EVENT playlist, init segment and segments, all under the run's key prefix (leg 1 under the plain
// names, leg N under `lN-`). What players and the library read is the legs joined into one
// playlist, with a discontinuity (and the leg's own init segment) where a leg starts, so a viewer
// carries on at the same URL after the room moved to another node, and the finished run is one VOD.
import { HLS_PLAYLIST_FILE } from './hls-vod.ts';
import type { ObjectStore } from '../storage/object-store.ts';

/** A run's legs are at most this many (a room that keeps losing nodes ends its run as failed). */
export const MAX_HLS_LEGS = 20;
/** The joined playlist of a run that had more than one leg, written when the run ends. */
export const HLS_JOINED_PLAYLIST_FILE = 'vod.m3u8';

/** A file of leg `leg` as it is named in the run's prefix. */
export const legFile = (leg: number, file: string) => (leg === 1 ? file : `l${leg}-${file}`);

const BODY_START = /^#(EXT-X-MAP|EXTINF|EXT-X-PROGRAM-DATE-TIME|EXT-X-DISCONTINUITY|EXT-X-BYTERANGE)\b/;

/**
 * Joins the legs' playlists (in order; null for a leg that has not written one yet) into one.
 * The header is the first leg's, with the largest target duration of all; `ended` forces
 * #EXT-X-ENDLIST (a run that ended while its last leg was cut short), otherwise the last leg
 * present decides. One leg alone comes back unchanged.
 */
export function joinLegs(playlists: (string | null)[], options: { ended?: boolean } = {}): string | null {
  const legs = playlists.map((text, i) => (text === null ? null : { leg: i + 1, lines: text.split('\n').map((l) => l.trimEnd()) })).filter((l) => l !== null);
  if (legs.length === 0) return null;
  if (playlists.length === 1 && !options.ended) return playlists[0]!;
  const first = legs[0]!.lines;
  const bodyAt = (lines: string[]) => {
    const i = lines.findIndex((l) => BODY_START.test(l) || (l !== '' && !l.startsWith('#')));
    return i < 0 ? lines.length : i;
  };
  let target = 0;
  for (const { lines } of legs) for (const l of lines) if (l.startsWith('#EXT-X-TARGETDURATION:')) target = Math.max(target, Number(l.slice(22)) || 0);
  const out = first.slice(0, bodyAt(first)).filter((l) => l !== '').map((l) => (l.startsWith('#EXT-X-TARGETDURATION:') ? `#EXT-X-TARGETDURATION:${target}` : l));
  let endList = false;
  legs.forEach(({ leg, lines }, i) => {
    const body = lines.slice(bodyAt(lines)).filter((l) => l !== '' && l !== '#EXT-X-ENDLIST');
    endList = lines.includes('#EXT-X-ENDLIST');
    if (body.length === 0) return;
    if (i > 0) out.push('#EXT-X-DISCONTINUITY');
    for (const l of body) {
      if (l.startsWith('#EXT-X-MAP:')) out.push(l.replace(/URI="([^"/]+)"/, (_, uri: string) => `URI="${legFile(leg, uri)}"`));
      else if (l.startsWith('#')) out.push(l);
      else out.push(legFile(leg, l));
    }
  });
  if (options.ended || endList) out.push('#EXT-X-ENDLIST');
  return `${out.join('\n')}\n`;
}

/** Reads every leg's playlist of the run under `keyPrefix` and joins them (null: none written yet). */
export async function readRunPlaylist(store: ObjectStore, keyPrefix: string, legs: number, options: { ended?: boolean } = {}): Promise<string | null> {
  const texts = await Promise.all(
    Array.from({ length: Math.max(1, legs) }, async (_, i) => {
      const object = await store.get(`${keyPrefix}${legFile(i + 1, HLS_PLAYLIST_FILE)}`);
      return object ? new TextDecoder().decode(await object.arrayBuffer()) : null;
    }),
  );
  return joinLegs(texts, options);
}
