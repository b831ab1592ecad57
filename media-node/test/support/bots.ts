// Headless WebRTC bots: mediasoup-client over libwebrtc, signaling straight into a router (the
// RoomDO's part is played by plain function calls).
import { Device, type types } from 'mediasoup-client';
import type { Consumer, IceCandidate, Producer, Router, RtpCapabilities, WebRtcTransport } from '../../src/engine/types.ts';
import { installWrtcGlobals } from './wrtc.ts';

export const mediaCodecs = [
  { kind: 'audio' as const, mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video' as const, mimeType: 'video/VP8', clockRate: 90000, parameters: {} },
];

async function loadDevice(router: Router): Promise<Device> {
  installWrtcGlobals();
  const device = new Device({ handlerName: 'Chrome111' });
  await device.load({ routerRtpCapabilities: router.rtpCapabilities as types.RtpCapabilities });
  return device;
}

function clientParams(t: WebRtcTransport, candidates: (c: IceCandidate[]) => IceCandidate[] = (c) => c) {
  return {
    id: t.id,
    iceParameters: t.iceParameters,
    iceCandidates: candidates(t.iceCandidates) as types.IceCandidate[],
    dtlsParameters: t.dtlsParameters as types.DtlsParameters,
  };
}

export interface PublisherOptions {
  width: number;
  height: number;
  fps: number;
  /** Bitrates of the simulcast layers, low to high. */
  layers: number[];
  audio: boolean;
  /** Rewrites the ICE candidates the client is given (to put a relay in the path). */
  candidates?: (c: IceCandidate[]) => IceCandidate[] | Promise<IceCandidate[]>;
}

export interface OutboundLayer {
  rid?: string;
  width?: number;
  bytesSent: number;
  fps?: number;
  limitation?: string;
}

export class PublisherBot {
  serverTransport!: WebRtcTransport;
  clientTransport!: types.Transport;
  videoProducer!: Producer;
  audioProducer: Producer | undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  #frame = 0;

  static async start(router: Router, options: PublisherOptions): Promise<PublisherBot> {
    const bot = new PublisherBot();
    await bot.#start(router, options);
    return bot;
  }

  async #start(router: Router, o: PublisherOptions): Promise<void> {
    const wrtc = installWrtcGlobals();
    const device = await loadDevice(router);
    this.serverTransport = await router.createWebRtcTransport();
    const server = this.serverTransport;
    const given = o.candidates ? await o.candidates(server.iceCandidates) : server.iceCandidates;
    const send = device.createSendTransport(clientParams(server, () => given));
    this.clientTransport = send;
    send.on('connect', ({ dtlsParameters }, ok, fail) => server.connect({ dtlsParameters }).then(ok, fail));
    send.on('produce', ({ kind, rtpParameters }, ok, fail) =>
      server
        .produce({ kind, rtpParameters })
        .then((p) => {
          if (kind === 'video') this.videoProducer = p;
          else this.audioProducer = p;
          ok({ id: p.id });
        }, fail),
    );

    const video = new wrtc.nonstandard.RTCVideoSource();
    const data = new Uint8ClampedArray((o.width * o.height * 3) / 2);
    const luma = o.width * o.height;
    // A moving gradient: cheap to draw, not trivially compressible, so the encoder spends bits.
    this.#timers.push(
      setInterval(() => {
        const f = this.#frame++;
        for (let y = 0; y < o.height; y += 2) data.fill((y + f * 4) & 0xff, y * o.width, y * o.width + o.width);
        data.fill(128, luma);
        video.onFrame({ width: o.width, height: o.height, data });
      }, 1000 / o.fps),
    );
    const scale = (i: number) => 2 ** (o.layers.length - 1 - i);
    await send.produce({
      track: video.createTrack() as never,
      encodings: o.layers.map((maxBitrate, i) => ({ maxBitrate, scaleResolutionDownBy: scale(i), scalabilityMode: 'L1T1' })),
    });
    if (o.audio) {
      const audio = new wrtc.nonstandard.RTCAudioSource();
      const samples = new Int16Array(480);
      let phase = 0;
      this.#timers.push(
        setInterval(() => {
          for (let i = 0; i < samples.length; i++) samples[i] = Math.round(3000 * Math.sin((phase++ * 2 * Math.PI * 440) / 48000));
          audio.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
        }, 10),
      );
      await send.produce({ track: audio.createTrack() as never });
    }
  }

  /** What the client sends, per simulcast layer (outbound-rtp stats). */
  async outbound(): Promise<OutboundLayer[]> {
    const out: OutboundLayer[] = [];
    (await this.clientTransport.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') {
        out.push({
          rid: s.rid as string,
          width: s.frameWidth as number,
          bytesSent: s.bytesSent as number,
          fps: s.framesPerSecond as number,
          limitation: s.qualityLimitationReason as string,
        });
      }
    });
    return out;
  }

  /** The sender's bandwidth estimate (bps), from the selected candidate pair. */
  async availableOutgoingBitrate(): Promise<number | undefined> {
    let bps: number | undefined;
    (await this.clientTransport.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) bps = s.availableOutgoingBitrate as number;
    });
    return bps;
  }

  /** Frame width the client currently sends on each simulcast layer, low to high. */
  async layerWidths(): Promise<number[]> {
    const out = await this.outbound();
    return out
      .filter((o) => o.width)
      .sort((a, b) => (a.rid ?? '').localeCompare(b.rid ?? ''))
      .map((o) => o.width!);
  }

  close(): void {
    for (const t of this.#timers) clearInterval(t);
    this.clientTransport?.close();
    this.serverTransport?.close();
  }
}

export interface InboundVideo {
  framesDecoded: number;
  frameWidth: number;
  packetsReceived: number;
  packetsLost: number;
  keyFramesDecoded: number;
}

export class ConsumerBot {
  serverTransport!: WebRtcTransport;
  clientTransport!: types.Transport;
  readonly consumers = new Map<string, { server: Consumer; client: types.Consumer }>();
  device!: Device;

  /** `candidates` rewrites the ICE candidates the client is given (to put a relay in the path). */
  static async start(router: Router, candidates?: (c: IceCandidate[]) => IceCandidate[] | Promise<IceCandidate[]>): Promise<ConsumerBot> {
    const bot = new ConsumerBot();
    bot.device = await loadDevice(router);
    bot.serverTransport = await router.createWebRtcTransport();
    const server = bot.serverTransport;
    const given = candidates ? await candidates(server.iceCandidates) : server.iceCandidates;
    bot.clientTransport = bot.device.createRecvTransport(clientParams(server, () => given));
    bot.clientTransport.on('connect', ({ dtlsParameters }, ok, fail) => server.connect({ dtlsParameters }).then(ok, fail));
    return bot;
  }

  get rtpCapabilities(): RtpCapabilities {
    return this.device.rtpCapabilities as RtpCapabilities;
  }

  /** Consumes paused (as the product does), lets the client set up, then resumes. */
  async consume(producer: Producer, options: { resume?: boolean; preferredLayers?: { spatialLayer: number } } = {}) {
    const server = await this.serverTransport.consume({
      producerId: producer.id,
      rtpCapabilities: this.rtpCapabilities,
      paused: true,
      ...(options.preferredLayers ? { preferredLayers: options.preferredLayers } : {}),
    });
    const client = await this.clientTransport.consume({
      id: server.id,
      producerId: producer.id,
      kind: server.kind,
      rtpParameters: server.rtpParameters as types.RtpParameters,
    });
    // What the signaling layer does: tell the client when the server side goes away.
    server.on('close', () => client.close());
    this.consumers.set(server.id, { server, client });
    if (options.resume !== false) await server.resume();
    return { server, client };
  }

  /**
   * The client's inbound-rtp stats for a consumer (by default the newest video one). Matched by
   * SSRC: mediasoup-client also creates a "probator" receiver (ssrc 1234) that never decodes.
   */
  async inboundVideo(ssrc = this.#newestSsrc('video')): Promise<InboundVideo | undefined> {
    let found: InboundVideo | undefined;
    (await this.clientTransport.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video' && s.ssrc === ssrc) {
        found = {
          framesDecoded: Number(s.framesDecoded ?? 0),
          frameWidth: Number(s.frameWidth ?? 0),
          packetsReceived: Number(s.packetsReceived ?? 0),
          packetsLost: Number(s.packetsLost ?? 0),
          keyFramesDecoded: Number(s.keyFramesDecoded ?? 0),
        };
      }
    });
    return found;
  }

  #newestSsrc(kind: 'audio' | 'video'): number | undefined {
    const ofKind = [...this.consumers.values()].filter((c) => c.server.kind === kind);
    return ofKind[ofKind.length - 1]?.server.rtpParameters.encodings?.[0]?.ssrc;
  }

  /** The client's view, for failure messages: transport, candidate pair, inbound streams. */
  async clientStats(): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    (await this.clientTransport.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === 'transport' || s.type === 'inbound-rtp' || (s.type === 'candidate-pair' && s.nominated)) out.push(s);
    });
    return out;
  }

  async inboundAudio(): Promise<{ packetsReceived: number; packetsLost: number } | undefined> {
    let found: { packetsReceived: number; packetsLost: number } | undefined;
    (await this.clientTransport.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio' && s.ssrc === this.#newestSsrc('audio')) found = { packetsReceived: Number(s.packetsReceived ?? 0), packetsLost: Number(s.packetsLost ?? 0) };
    });
    return found;
  }

  close(): void {
    this.clientTransport?.close();
    this.serverTransport?.close();
  }
}
