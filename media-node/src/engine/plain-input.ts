// A room's producers consumed on plain transports for a local RTP reader (ffmpeg): one transport
// and one paused consumer per producer, at the highest simulcast layer, and the SDP the reader
// opens. The server recorder (recording/recorder.ts) and the egress encoder (egress/) both read
// the room this way. Resume only once the reader listens: what arrives before is lost.
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { plainSdp } from './plain-sdp.ts';
import type { Consumer, PlainTransport, Producer, Router } from './types.ts';

export interface PlainStream {
  producer: Producer;
  transport: PlainTransport;
  consumer: Consumer;
  port: number;
}

export class PlainInput {
  #keyframeTimer: NodeJS.Timeout | undefined;

  private constructor(readonly streams: PlainStream[]) {}

  /** Consumers for `producers`, sent to free local port pairs; paused until resume(). */
  static async open(router: Router, producers: Producer[], appData: Record<string, unknown>): Promise<PlainInput> {
    // What ffmpeg reads: the router's codecs and no header extensions (it would ignore them).
    const rtpCapabilities = { codecs: router.rtpCapabilities.codecs, headerExtensions: [] };
    const streams: PlainStream[] = [];
    try {
      for (const producer of producers) {
        const port = await freePortPair();
        const transport = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, rtcpMux: false, appData });
        try {
          await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
          // The highest simulcast layer: the engines clamp this to the top layer there is.
          const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities, paused: true, preferredLayers: { spatialLayer: 255, temporalLayer: 255 } });
          streams.push({ producer, transport, consumer, port });
        } catch (error) {
          transport.close();
          throw error;
        }
      }
    } catch (error) {
      for (const s of streams) s.transport.close();
      throw error;
    }
    return new PlainInput(streams);
  }

  get video(): PlainStream | undefined {
    return this.streams.find((s) => s.consumer.kind === 'video');
  }

  /** The video's codec, lower case (`video/vp8`, `video/h264`), if there is video. */
  get videoMime(): string | undefined {
    return this.video?.consumer.rtpParameters.codecs[0]?.mimeType.toLowerCase();
  }

  sdp(): string {
    return plainSdp('127.0.0.1', this.streams.map((s) => ({ kind: s.consumer.kind, rtpParameters: s.consumer.rtpParameters, port: s.port })));
  }

  /**
   * Waits until `reader` is bound to the last stream's port (it binds them in order), then resumes
   * the video and asks for a keyframe to start from, then again every second until `videoStarted`
   * says the reader's video started: one request may be lost or arrive while the reader still
   * probes, a loaded machine can keep ffmpeg probing past any fixed count, and a browser's VP8
   * sends no keyframe unasked. The audio follows once the first video packet (a keyframe) went
   * out, or after VIDEO_FIRST_WAIT_MS: ffmpeg ends probing once it has seen its probe time of any
   * stream, and a video it has no keyframe of by then has no size, which WebM and MP4 refuse; a
   * muted microphone sends nothing and must not hold it up.
   */
  async resumeWhenListening(reader: ChildProcess, readerLog: () => string, videoStarted: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await portTaken(this.streams.at(-1)!.port))) {
      if (reader.exitCode !== null || Date.now() > deadline) throw new Error(`ffmpeg did not start listening: ${readerLog().slice(-300)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const video = this.video;
    if (!video) {
      for (const s of this.streams) await s.consumer.resume();
      return;
    }
    await video.consumer.resume();
    await video.consumer.requestKeyFrame();
    this.#keepAskingForKeyframes(video, videoStarted);
    const videoDeadline = Date.now() + VIDEO_FIRST_WAIT_MS;
    while (Date.now() < videoDeadline && !(await sentAny(video.consumer))) await new Promise((r) => setTimeout(r, 20));
    for (const s of this.streams) if (s !== video) await s.consumer.resume();
  }

  #keepAskingForKeyframes(video: PlainStream, done: () => boolean): void {
    const again = () => {
      if (done()) return;
      this.#keyframeTimer = setTimeout(() => {
        void video.consumer.requestKeyFrame().catch(() => {});
        again();
      }, 1000);
    };
    again();
  }

  close(): void {
    clearTimeout(this.#keyframeTimer);
    for (const s of this.streams.splice(0)) s.transport.close();
  }
}

/** An even UDP port whose next port is free too (RTP + RTCP for ffmpeg). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 10_000);
    const sockets: dgram.Socket[] = [];
    try {
      for (const p of [port, port + 1]) {
        const s = dgram.createSocket('udp4');
        sockets.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.bind(p, '127.0.0.1', () => resolve());
        });
      }
      return port;
    } catch {
      // taken: try another
    } finally {
      for (const s of sockets) s.close();
    }
  }
  throw new Error('no free UDP port pair');
}

/** How long the audio waits for the video's first packet (see resumeWhenListening). */
const VIDEO_FIRST_WAIT_MS = 4_000;

async function sentAny(consumer: Consumer): Promise<boolean> {
  const stats = await consumer.getStats().catch(() => []);
  return (stats[0]?.packetCount ?? 0) > 0;
}

/** Someone (ffmpeg) is bound to this UDP port. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(true));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}
