// A room's egress on its origin node: at most ONE encoder (egress-encoder.ts), started for the
// first output and stopped with the last, and the outputs it feeds: the HLS muxer and each RTMP
// destination, all `-c copy` of the one transcode. The RoomDO drives it through hls.start /
// hls.urls / hls.stop and rtmp.start / rtmp.stop; a repeated start answers the output already
// running. Stopping one output never touches the others (the encoder stays while any runs).
import { ProtocolError, type HlsSegmentUrl, type NodeToRoom, type RtmpState } from '@roomcast/schema/protocol';
import type { Producer, Router } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import { EgressEncoder } from './egress-encoder.ts';
import { HlsOutput } from './hls-output.ts';
import { RtmpOutput, type DestinationStatus } from './rtmp-output.ts';

export interface HlsStart {
  hlsId: string;
  producers: Producer[];
  playlistUrl: string;
  initUrl: string;
  segmentUrls: HlsSegmentUrl[];
}

export interface RtmpStart {
  destinationId: string;
  producers: Producer[];
  /** The destination's full URL, stream key included: never logged, never sent back. */
  url: string;
}

export class RoomEgress {
  /** The room's one encoder while any output runs (started by the first). */
  #encoder: Promise<EgressEncoder> | undefined;
  #hls: { hlsId: string; running: Promise<HlsOutput> } | undefined;
  readonly #rtmp = new Map<string, RtmpOutput>();

  constructor(
    private readonly router: Router,
    private readonly dir: string,
    private readonly send: (frame: NodeToRoom) => void,
    private readonly log: Logger,
  ) {}

  /** The encoder's process id (the egress benchmark reads its CPU time). */
  async encoderPid(): Promise<number | undefined> {
    return (await this.#encoder?.catch(() => undefined))?.pid;
  }

  /** The HLS muxer's process id, while HLS runs (the benchmark). */
  async hlsPid(): Promise<number | undefined> {
    return (await this.#hls?.running.catch(() => undefined))?.pid;
  }

  #encoderFor(producers: Producer[]): Promise<EgressEncoder> {
    if (this.#encoder) return this.#encoder;
    const started: Promise<EgressEncoder> = EgressEncoder.start({
      id: crypto.randomUUID(),
      router: this.router,
      producers,
      dir: this.dir,
      onFailed: (reason) => this.#encoderFailed(started, reason),
      log: this.log,
    });
    this.#encoder = started;
    started.catch(() => {
      if (this.#encoder === started) this.#encoder = undefined;
    });
    return started;
  }

  /** ffmpeg died: every output it fed ends, and the room hears why. */
  #encoderFailed(encoder: Promise<EgressEncoder>, reason: string): void {
    if (this.#encoder !== encoder) return;
    this.#encoder = undefined;
    const hls = this.#hls;
    this.#hls = undefined;
    if (hls) {
      this.send({ type: 'hls.failed', hlsId: hls.hlsId, reason: reason.slice(0, 500) });
      void hls.running.then((o) => o.stop()).catch(() => {});
    }
    for (const [destinationId, output] of this.#rtmp) {
      this.send({ type: 'rtmp.state', status: { destinationId, state: 'failed', reason: `the room's encoder stopped: ${reason}`.slice(0, 500), bitrateKbps: 0, uptimeMs: null } });
      void output.stop();
    }
    this.#rtmp.clear();
    void encoder.then((e) => e.stop()).catch(() => {});
  }

  /** No output left: the encoder stops (first, so a muxer still finishing sees its input end). */
  async #releaseIfIdle(): Promise<void> {
    if (this.#hls || this.#rtmp.size > 0 || !this.#encoder) return;
    const encoder = this.#encoder;
    this.#encoder = undefined;
    await (await encoder.catch(() => undefined))?.stop();
  }

  // ── HLS ─────────────────────────────────────────────────────────────────────

  async startHls(start: HlsStart): Promise<{ transcoded: boolean }> {
    if (this.#hls?.hlsId === start.hlsId) {
      const output = await this.#hls.running;
      output.addUrls(start.segmentUrls);
      return { transcoded: (await this.#encoderFor(start.producers)).transcoded };
    }
    if (this.#hls) throw new ProtocolError('unavailable', `HLS ${this.#hls.hlsId} already runs in this room`);
    const { hlsId } = start;
    const running = (async () => {
      const encoder = await this.#encoderFor(start.producers);
      return HlsOutput.start({
        hlsId,
        encoder,
        playlistUrl: start.playlistUrl,
        initUrl: start.initUrl,
        segmentUrls: start.segmentUrls,
        wantUrls: (fromSegment, count) => this.send({ type: 'hls.urls_wanted', hlsId, fromSegment, count }),
        onLive: () => this.send({ type: 'hls.live', hlsId }),
        onFailed: (reason) => this.send({ type: 'hls.failed', hlsId, reason: reason.slice(0, 500) }),
        log: this.log,
      });
    })();
    this.#hls = { hlsId, running };
    try {
      await running;
      return { transcoded: (await this.#encoderFor(start.producers)).transcoded };
    } catch (error) {
      if (this.#hls?.hlsId === hlsId) this.#hls = undefined;
      await this.#releaseIfIdle();
      throw error;
    }
  }

  async addHlsUrls(hlsId: string, urls: HlsSegmentUrl[]): Promise<void> {
    (await this.#runningHls(hlsId)).addUrls(urls);
  }

  /**
   * The muxer sees its input end and writes #EXT-X-ENDLIST: the encoder ends first when HLS was
   * its last output; otherwise only the muxer's input closes and the destinations carry on.
   */
  async stopHls(hlsId: string): Promise<{ segments: number }> {
    const output = await this.#runningHls(hlsId);
    this.#hls = undefined;
    await this.#releaseIfIdle();
    await output.stop();
    return { segments: output.segments };
  }

  #runningHls(hlsId: string): Promise<HlsOutput> {
    if (this.#hls?.hlsId !== hlsId) throw new ProtocolError('not_found', `No HLS ${hlsId} in this room`);
    return this.#hls.running;
  }

  // ── Multistream (RTMP) ──────────────────────────────────────────────────────

  /** Starts one destination; one already pushing answers as it is, one that failed starts again. */
  async startRtmp(start: RtmpStart): Promise<{ transcoded: boolean }> {
    const { destinationId } = start;
    const existing = this.#rtmp.get(destinationId);
    if (existing && existing.status.state !== 'failed') return { transcoded: (await this.#encoderFor(start.producers)).transcoded };
    if (existing) {
      this.#rtmp.delete(destinationId);
      await existing.stop();
    }
    const encoder = await this.#encoderFor(start.producers);
    const output = new RtmpOutput({
      destinationId,
      url: start.url,
      encoder,
      log: this.log,
      onStatus: (status) => this.#rtmpStatus(output, status),
    });
    this.#rtmp.set(destinationId, output);
    output.start();
    return { transcoded: encoder.transcoded };
  }

  #rtmpStatus(output: RtmpOutput, status: DestinationStatus): void {
    if (this.#rtmp.get(status.destinationId) !== output) return;
    const wire: RtmpState = { destinationId: status.destinationId, state: status.state, reason: status.reason, bitrateKbps: status.bitrateKbps, uptimeMs: status.uptimeMs };
    this.send({ type: 'rtmp.state', status: wire });
    // A destination given up no longer holds the encoder (the room may start it again).
    if (status.state === 'failed') {
      this.#rtmp.delete(status.destinationId);
      void output.stop().then(() => this.#releaseIfIdle());
    }
  }

  /** Stops one destination (an unknown or already failed one is already stopped). */
  async stopRtmp(destinationId: string): Promise<void> {
    const output = this.#rtmp.get(destinationId);
    if (!output) return;
    this.#rtmp.delete(destinationId);
    await output.stop();
    await this.#releaseIfIdle();
  }

  /** Destinations pushing now (the benchmark reads their processes' CPU time). */
  rtmpOutputs(): RtmpOutput[] {
    return [...this.#rtmp.values()];
  }

  /** The room closed under it: stop everything (what was uploaded stays). */
  close(): void {
    const hls = this.#hls;
    const encoder = this.#encoder;
    const rtmp = [...this.#rtmp.values()];
    this.#hls = undefined;
    this.#encoder = undefined;
    this.#rtmp.clear();
    void (async () => {
      await (await encoder?.catch(() => undefined))?.stop();
      await Promise.all([hls?.running.then((o) => o.stop()), ...rtmp.map((o) => o.stop())]);
    })().catch(() => {});
  }
}
