// RTMP ingest on a media node: encoders push to rtmp://node:port/live/<stream key>. Per publish:
//   1. the Worker (over the node's fleet socket) checks the key before NetStream.Publish.Start;
//   2. the tags are watched (flv.ts): a codec the room cannot forward closes the connection with a
//      typed error in the ingest state; B-frames, long GOPs and a high bitrate are reported;
//   3. once the codecs are known (the AVC sequence header gives the H.264 profile) the Worker
//      answers where the room's producers are: a plain transport on the room's origin node;
//   4. ffmpeg reads the FLV on stdin and writes RTP (H.264 copied, AAC transcoded to Opus 48 kHz
//      stereo) with the SSRCs and payload types the producers expect, through the relay
//      (rtp-relay.ts) that keeps one source address towards the origin.
// A connection that drops leaves the relay and the producers up for the grace period (10 s): a
// republish with the same key resumes them; after that the Worker hears ingest.rtmp.ended. The
// newest connection for a key wins: an older one is closed.
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import type { FleetToNode, NodeToFleet, RtmpIngestTarget } from '@roomcast/schema/protocol';
import type { Logger } from '../log.ts';
import { EncoderCheck, flvHeader, flvTag, readAudioTag, readVideoTag, routerProfileFor, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO } from './flv.ts';
import type { PublishDecision, RtmpConnection } from './rtmp-server.ts';
import { RtpRelay } from './rtp-relay.ts';

type Answer = Extract<FleetToNode, { type: 'ingest.rtmp.answer' }>;
type IngestFrame = Extract<NodeToFleet, { type: `ingest.rtmp.${string}` }>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The node's fleet socket as the ingest uses it. */
export interface IngestFleetLink {
  request(frame: DistributiveOmit<Extract<IngestFrame, { requestId: string }>, 'requestId'>): Promise<Answer>;
  send(frame: Exclude<IngestFrame, { requestId: string }>): void;
}

export interface RtmpIngestOptions {
  /** The app encoders push to (the path before the stream key). */
  app: string;
  graceMs: number;
  /** Where the relay's sending socket binds (the node's listen address). */
  bindIp: string;
  /** Tags held while the codecs are learnt; an encoder that sends no H.264 header by then is refused. */
  maxHeldTags: number;
}

export const DEFAULT_INGEST_OPTIONS: RtmpIngestOptions = { app: 'live', graceMs: 10_000, bindIp: '0.0.0.0', maxHeldTags: 300 };

/** One stream key's ingest on this node: the connection publishing now, and what outlives it. */
interface KeyIngest {
  current: Publisher | undefined;
  relay: RtpRelay | undefined;
  /** The connection the room's producers belong to now (the last one started). */
  connectionId: string | undefined;
  graceTimer: NodeJS.Timeout | undefined;
}

/** Refused publishes one address may make per minute before it is refused without asking the Worker (a key-guessing brake). */
const REFUSALS_PER_MINUTE = 10;

export class RtmpIngest {
  readonly #keys = new Map<string, KeyIngest>();
  readonly #publishers = new Map<string, Publisher>();
  readonly #refusals = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly fleet: IngestFleetLink,
    private readonly log: Logger,
    private readonly options: RtmpIngestOptions = DEFAULT_INGEST_OPTIONS,
  ) {}

  /** Live publishers on this node (metrics, tests). */
  get publishing(): number {
    return this.#publishers.size;
  }

  /** The RTMP server's publish hook: the key is checked with the Worker before the encoder may send. */
  async onPublish(conn: RtmpConnection): Promise<PublishDecision> {
    const streamKey = conn.streamName;
    if (conn.app !== this.options.app || !streamKey) {
      this.log.warn('rtmp publish refused: wrong path', { connection: conn.id, app: conn.app });
      return { ok: false, code: 'NetStream.Publish.BadName', description: `Publish to rtmp://host/${this.options.app}/<stream key>` };
    }
    const now = Date.now();
    const refused = this.#refusals.get(conn.remoteAddress);
    if (refused && now - refused.since < 60_000 && refused.count >= REFUSALS_PER_MINUTE) {
      this.log.warn('rtmp publish refused: too many refused attempts from this address', { connection: conn.id });
      return { ok: false, code: 'NetStream.Publish.Rejected', description: 'Too many refused attempts; wait a minute' };
    }
    let answer: Answer;
    try {
      answer = await this.fleet.request({ type: 'ingest.rtmp.authorize', streamKey });
    } catch (error) {
      this.log.warn('rtmp publish refused: the fleet did not answer', { connection: conn.id, error: String(error) });
      return { ok: false, code: 'NetStream.Publish.Failed', description: 'Ingest is unavailable on this node; retry shortly' };
    }
    if (!answer.ok) {
      const r = refused && now - refused.since < 60_000 ? refused : { count: 0, since: now };
      r.count++;
      this.#refusals.set(conn.remoteAddress, r);
      if (this.#refusals.size > 10_000) this.#refusals.clear();
      this.log.warn('rtmp publish refused', { connection: conn.id, code: answer.error?.code, message: answer.error?.message });
      return { ok: false, code: 'NetStream.Publish.BadName', description: `${answer.error?.code ?? 'refused'}: ${answer.error?.message ?? ''}` };
    }
    const publisher = new Publisher(conn, streamKey, answer.maxBitrateKbps, this.options.maxHeldTags, this, this.log);
    this.#publishers.set(publisher.connectionId, publisher);
    this.log.info('rtmp publish accepted', { connection: conn.id, connectionId: publisher.connectionId, roomId: answer.roomId });
    return { ok: true };
  }

  /** The Worker closes a connection: a newer one took over (maybe on another node), or the key was revoked. */
  closeConnection(connectionId: string, reason: string): void {
    this.#publishers.get(connectionId)?.stop(reason);
  }

  /** Stops everything (the node is shutting down). */
  close(): void {
    for (const p of [...this.#publishers.values()]) p.stop('node stopping');
    for (const [key, k] of this.#keys) this.#expire(key, k, 'node stopping');
  }

  // ── For Publisher ─────────────────────────────────────────────────────────────

  /** The publisher's codecs are known: the producers to feed, and the relay towards them. */
  async bind(publisher: Publisher, h264ProfileLevelId: string, audio: boolean): Promise<{ target: RtmpIngestTarget; relay: RtpRelay }> {
    const answer = await this.fleet.request({ type: 'ingest.rtmp.start', streamKey: publisher.streamKey, connectionId: publisher.connectionId, h264ProfileLevelId, audio });
    if (!answer.ok || !answer.target) throw new IngestRefused(answer.error?.code ?? 'refused', answer.error?.message ?? 'The room refused the encoder');
    const target = answer.target;
    const k = this.#key(publisher.streamKey);
    // Newest wins on this node too (the Worker says so for other nodes). Stopped first: its end
    // would start the grace timer, which this connection cancels.
    if (k.current && k.current !== publisher) k.current.stop('replaced by a newer connection');
    clearTimeout(k.graceTimer);
    k.graceTimer = undefined;
    k.current = publisher;
    k.connectionId = publisher.connectionId;
    const sameRelay = k.relay && k.relay.target.ip === target.ip && k.relay.target.port === target.port;
    if (sameRelay && target.resumed) {
      k.relay!.newSegment();
    } else {
      k.relay?.close();
      const streams = [{ ssrc: target.video.ssrc, clockRate: 90000 }, ...(target.audio ? [{ ssrc: target.audio.ssrc, clockRate: 48000 }] : [])];
      k.relay = await RtpRelay.open({ ip: target.ip, port: target.port }, this.options.bindIp, streams);
    }
    return { target, relay: k.relay! };
  }

  /** A publisher ended: the producers wait for a republish during the grace period. */
  unbind(publisher: Publisher): void {
    this.#publishers.delete(publisher.connectionId);
    const k = this.#keys.get(publisher.streamKey);
    if (!k || k.current !== publisher) return;
    k.current = undefined;
    if (!k.connectionId) return void this.#keys.delete(publisher.streamKey);
    clearTimeout(k.graceTimer);
    k.graceTimer = setTimeout(() => this.#expire(publisher.streamKey, k, 'no republish within the grace period'), this.options.graceMs);
    k.graceTimer.unref?.();
  }

  problem(streamKey: string, code: string, message: string): void {
    this.fleet.send({ type: 'ingest.rtmp.problem', streamKey, code, message });
  }

  #key(streamKey: string): KeyIngest {
    let k = this.#keys.get(streamKey);
    if (!k) {
      k = { current: undefined, relay: undefined, connectionId: undefined, graceTimer: undefined };
      this.#keys.set(streamKey, k);
    }
    return k;
  }

  #expire(streamKey: string, k: KeyIngest, reason: string): void {
    if (k.current) return;
    clearTimeout(k.graceTimer);
    k.relay?.close();
    this.#keys.delete(streamKey);
    if (k.connectionId) {
      this.log.info('rtmp ingest ended', { connectionId: k.connectionId, reason });
      this.fleet.send({ type: 'ingest.rtmp.ended', streamKey, connectionId: k.connectionId, reason });
    }
  }
}

export class IngestRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_TRANSCODER_BACKLOG_BYTES = 8 * 1024 * 1024;

/** One accepted RTMP connection: holds its first tags until the codecs are known, then feeds ffmpeg. */
class Publisher {
  readonly connectionId = randomUUID();
  readonly #check: EncoderCheck;
  readonly #held: Buffer[] = [];
  #heldCount = 0;
  #profile: string | undefined;
  #audioSeen = false;
  #videoTagsAfterHeader = 0;
  #binding = false;
  #ffmpeg: ChildProcess | undefined;
  #stopped = false;
  #stderr = '';

  constructor(
    private readonly conn: RtmpConnection,
    readonly streamKey: string,
    maxBitrateKbps: number | undefined,
    private readonly maxHeldTags: number,
    private readonly ingest: RtmpIngest,
    private readonly log: Logger,
  ) {
    this.#check = new EncoderCheck({ maxKeyframeIntervalMs: 4_000, maxBitrateKbps: maxBitrateKbps ?? 6_000, bitrateWindowMs: 5_000 });
    conn.on('media', (type, timestamp, data) => this.#onTag(type, timestamp, data));
    conn.on('close', (reason) => this.stop(reason));
  }

  stop(reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.conn.close(reason);
    if (this.#ffmpeg && this.#ffmpeg.exitCode === null) {
      this.#ffmpeg.stdin?.destroy();
      this.#ffmpeg.kill('SIGKILL');
    }
    this.log.info('rtmp connection closed', { connectionId: this.connectionId, reason });
    this.ingest.unbind(this);
  }

  #onTag(type: number, timestamp: number, data: Buffer): void {
    if (this.#stopped) return;
    for (const error of this.#check.tag(type, timestamp, data)) {
      this.log.warn('rtmp encoder misconfigured', { connectionId: this.connectionId, code: error.code, message: error.message });
      this.ingest.problem(this.streamKey, error.code, error.message);
      if (error.fatal) return this.stop(`${error.code}: ${error.message}`);
    }
    // @setDataFrame is RTMP's wrapper around onMetaData; ffmpeg's FLV reader wants the bare onMetaData.
    if (type === TAG_SCRIPT) return;
    const tag = flvTag(type, timestamp, data);
    if (this.#ffmpeg) {
      // A transcoder that falls this far behind real time will not catch up: better to say so.
      if ((this.#ffmpeg.stdin?.writableLength ?? 0) > MAX_TRANSCODER_BACKLOG_BYTES) return this.stop('the transcoder cannot keep up');
      this.#ffmpeg.stdin?.write(tag);
      return;
    }
    this.#held.push(tag);
    this.#heldCount++;
    if (type === TAG_VIDEO) {
      const v = readVideoTag(data);
      if (v?.profileLevelId) this.#profile = v.profileLevelId;
      else if (this.#profile) this.#videoTagsAfterHeader++;
    } else if (type === TAG_AUDIO && readAudioTag(data)) {
      this.#audioSeen = true;
    }
    if (this.#heldCount > this.maxHeldTags && !this.#profile) return this.#refuse('unsupported_video_codec', 'No H.264 sequence header arrived; send H.264 video');
    // Known: the H.264 profile, and whether there is audio (encoders send its header right after the video's).
    if (this.#profile && !this.#binding && (this.#audioSeen || this.#videoTagsAfterHeader >= 10)) void this.#bind(this.#profile, this.#audioSeen);
  }

  #refuse(code: string, message: string): void {
    this.ingest.problem(this.streamKey, code, message);
    this.stop(`${code}: ${message}`);
  }

  async #bind(profile: string, audio: boolean): Promise<void> {
    this.#binding = true;
    const routerProfile = routerProfileFor(profile);
    if (!routerProfile) return; // the check reported it and stopped the connection
    let bound;
    try {
      bound = await this.ingest.bind(this, routerProfile, audio);
    } catch (error) {
      this.log.warn('rtmp ingest could not start', { connectionId: this.connectionId, error: String(error) });
      return this.stop(error instanceof IngestRefused ? `${error.code}: ${error.message}` : 'ingest failed');
    }
    if (this.#stopped) return;
    const { target, relay } = bound;
    this.log.info('rtmp ingest feeding the room', { connectionId: this.connectionId, roomId: target.roomId, resumed: target.resumed, origin: `${target.ip}:${target.port}` });
    // ffmpeg takes the SSRC as a signed 32-bit int and writes its bits.
    const out = (ssrc: number, pt: number) => ['-ssrc', String(ssrc | 0), '-payload_type', String(pt), '-f', 'rtp', `rtp://127.0.0.1:${relay.port}?rtcpport=${relay.port}&pkt_size=1200`];
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-probesize', '2000000', '-analyzeduration', '500000', '-f', 'flv', '-i', 'pipe:0'];
    args.push('-map', '0:v:0', '-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb', ...out(target.video.ssrc, target.video.payloadType));
    if (target.audio) args.push('-map', '0:a:0', '-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '128k', ...out(target.audio.ssrc, target.audio.payloadType));
    const ffmpeg = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.#ffmpeg = ffmpeg;
    ffmpeg.stderr?.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-2000)));
    ffmpeg.stdin?.on('error', () => {});
    ffmpeg.once('exit', (code, signal) => {
      if (this.#stopped) return;
      this.log.warn('rtmp transcoder exited', { connectionId: this.connectionId, code, signal, stderr: this.#stderr });
      this.stop('transcoder exited');
    });
    ffmpeg.stdin?.write(Buffer.concat([flvHeader(), ...this.#held]));
    this.#held.length = 0;
  }
}
