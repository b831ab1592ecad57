// A room's egress on its origin node: at most one encoder (egress-encoder.ts), started for the
// first output and stopped with the last, and the outputs it feeds (HLS now). The RoomDO drives it
// through hls.start / hls.urls / hls.stop; a repeated start answers the HLS already running.
import { ProtocolError, type HlsSegmentUrl, type NodeToRoom } from '@roomcast/schema/protocol';
import type { Producer, Router } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import { EgressEncoder } from './egress-encoder.ts';
import { HlsOutput } from './hls-output.ts';

export interface HlsStart {
  hlsId: string;
  producers: Producer[];
  playlistUrl: string;
  initUrl: string;
  segmentUrls: HlsSegmentUrl[];
}

export class RoomEgress {
  #hls: { hlsId: string; running: Promise<{ encoder: EgressEncoder; output: HlsOutput }> } | undefined;

  constructor(
    private readonly router: Router,
    private readonly dir: string,
    private readonly send: (frame: NodeToRoom) => void,
    private readonly log: Logger,
  ) {}

  async startHls(start: HlsStart): Promise<{ transcoded: boolean }> {
    if (this.#hls?.hlsId === start.hlsId) {
      const { encoder, output } = await this.#hls.running;
      output.addUrls(start.segmentUrls);
      return { transcoded: encoder.transcoded };
    }
    if (this.#hls) throw new ProtocolError('unavailable', `HLS ${this.#hls.hlsId} already runs in this room`);
    const { hlsId } = start;
    const failed = (reason: string) => this.send({ type: 'hls.failed', hlsId, reason: reason.slice(0, 500) });
    const running = (async () => {
      const encoder = await EgressEncoder.start({ id: hlsId, router: this.router, producers: start.producers, dir: this.dir, onFailed: failed, log: this.log });
      try {
        const output = await HlsOutput.start({
          hlsId,
          encoder,
          playlistUrl: start.playlistUrl,
          initUrl: start.initUrl,
          segmentUrls: start.segmentUrls,
          wantUrls: (fromSegment, count) => this.send({ type: 'hls.urls_wanted', hlsId, fromSegment, count }),
          onLive: () => this.send({ type: 'hls.live', hlsId }),
          onFailed: failed,
          log: this.log,
        });
        return { encoder, output };
      } catch (error) {
        await encoder.stop();
        throw error;
      }
    })();
    this.#hls = { hlsId, running };
    try {
      return { transcoded: (await running).encoder.transcoded };
    } catch (error) {
      if (this.#hls?.hlsId === hlsId) this.#hls = undefined;
      throw error;
    }
  }

  async addHlsUrls(hlsId: string, urls: HlsSegmentUrl[]): Promise<void> {
    (await this.#running(hlsId)).output.addUrls(urls);
  }

  /** The encoder ends first so the muxer sees its input end and writes #EXT-X-ENDLIST. */
  async stopHls(hlsId: string): Promise<{ segments: number }> {
    const { encoder, output } = await this.#running(hlsId);
    this.#hls = undefined;
    await encoder.stop();
    await output.stop();
    return { segments: output.segments };
  }

  /** The room closed under it: stop everything (what was uploaded stays). */
  close(): void {
    const hls = this.#hls;
    this.#hls = undefined;
    if (hls) void hls.running.then(async ({ encoder, output }) => (await encoder.stop(), await output.stop())).catch(() => {});
  }

  #running(hlsId: string): Promise<{ encoder: EgressEncoder; output: HlsOutput }> {
    if (this.#hls?.hlsId !== hlsId) throw new ProtocolError('not_found', `No HLS ${hlsId} in this room`);
    return this.#hls.running;
  }
}
