// Headless room participants for the integration test: the room protocol over a real WebSocket to
// the RoomDO, and mediasoup-client over libwebrtc (@roamhq/wrtc) for media, following the client
// call sequence in schema/src/protocol/media.ts, including rebuilding on `media.reset`.
import { Device, type types } from 'mediasoup-client';
import WebSocket from 'ws';
import { decodeFrame, PendingRequests, ServerMessage, type MediaProducer } from '@roomcast/schema/protocol';
import { installWrtcGlobals } from '../../media-node/test/support/wrtc.ts';
import { sleep } from './stack.ts';

type Frame = Record<string, any>;

/** The room socket: hello/welcome, requests with ids, and a stream of events. */
export class RoomSignal {
  readonly events: Frame[] = [];
  /** Frames the room sent that the channel decoder refused (the test can assert there are none). */
  readonly refused: string[] = [];
  readonly #listeners = new Set<(m: Frame) => void>();
  readonly #requests = new PendingRequests('q');
  #ping: NodeJS.Timeout | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const decoded = decodeFrame(ServerMessage, data.toString(), { maxBytes: Number.MAX_SAFE_INTEGER });
      // Recorded, not thrown: a throw in a ws listener is an uncaught exception that ends the run.
      if (!decoded.ok) return void this.refused.push(`${decoded.error.code}: ${decoded.error.message}`);
      const m = decoded.message as Frame;
      if (m.type === 'response') {
        const error = m.ok ? undefined : Object.assign(new Error(`${m.error.code}: ${m.error.message}`), { code: m.error.code });
        this.#requests.settle(m.id, error ? { ok: false, error } : { ok: true, data: m.data });
        return;
      }
      this.events.push(m);
      for (const l of this.#listeners) l(m);
    });
    ws.on('close', () => this.#requests.failAll(() => new Error('room socket closed')));
  }

  static async join(signalingUrl: string, token: string): Promise<{ signal: RoomSignal; welcome: Frame }> {
    const ws = new WebSocket(`${signalingUrl.replace(/^http/, 'ws')}?token=${encodeURIComponent(token)}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const signal = new RoomSignal(ws);
    const welcome = signal.next((m) => m.type === 'welcome' || m.type === 'error', 10_000);
    ws.send(JSON.stringify({ type: 'hello', protocol: 1, token }));
    const w = await welcome;
    if (w.type !== 'welcome') throw new Error(`join refused: ${JSON.stringify(w)}`);
    signal.#ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'ping' })), 5_000);
    return { signal, welcome: w };
  }

  on(listener: (m: Frame) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The next event matching, including ones already received and not yet taken. */
  next(match: (m: Frame) => boolean, timeoutMs: number): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no matching room event within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on((m) => {
        if (!match(m)) return;
        clearTimeout(timer);
        off();
        resolve(m);
      });
    });
  }

  /** A media request; resolves with `data`, throws with the error code. */
  async request<T = any>(method: string, data?: unknown): Promise<T> {
    const id = this.#requests.nextId();
    const answer = this.#requests.track(id, 30_000, (d) => d as T, () => new Error(`${method}: no answer within 30 s`));
    this.ws.send(JSON.stringify({ type: 'request', id, method, ...(data === undefined ? {} : { data }) }));
    return answer.catch((error: Error & { code?: string }) => {
      throw Object.assign(new Error(`${method}: ${error.message}`), { code: error.code });
    });
  }

  close(): void {
    clearInterval(this.#ping);
    this.ws.close(1000, 'leave');
  }
}

/** Builds a Device against the room's router, retrying while the room has no node yet. */
async function loadDevice(signal: RoomSignal): Promise<Device> {
  installWrtcGlobals();
  for (let attempt = 0; ; attempt++) {
    try {
      const { routerRtpCapabilities } = await signal.request('media.capabilities');
      const device = new Device({ handlerName: 'Chrome111' });
      await device.load({ routerRtpCapabilities });
      return device;
    } catch (error) {
      if ((error as { code?: string }).code !== 'unavailable' || attempt > 10) throw error;
      await sleep(500);
    }
  }
}

function transportOptions(info: any) {
  return { id: info.id, iceParameters: info.iceParameters, iceCandidates: info.iceCandidates, dtlsParameters: info.dtlsParameters };
}

/**
 * Sends a moving-gradient camera (simulcast, 3 layers), or with `source: 'screen'` a screen share
 * (one layer, as a browser shares a screen); republishes after every media.reset.
 */
export class Publisher {
  #transport: types.Transport | undefined;
  #timer: NodeJS.Timeout | undefined;
  #source: any;
  #rebuilding: Promise<void> | undefined;
  producerId: string | undefined;

  constructor(
    readonly signal: RoomSignal,
    readonly source: 'camera' | 'screen' = 'camera',
  ) {}

  async start(): Promise<void> {
    const wrtc = installWrtcGlobals();
    this.#source = new wrtc.nonstandard.RTCVideoSource();
    const [w, h] = [640, 360];
    const data = new Uint8ClampedArray((w * h * 3) / 2);
    let f = 0;
    this.#timer = setInterval(() => {
      f++;
      for (let y = 0; y < h; y += 2) data.fill((y + f * 4) & 0xff, y * w, y * w + w);
      data.fill(128, w * h);
      this.#source.onFrame({ width: w, height: h, data });
    }, 1000 / 20);
    this.signal.on((m) => {
      if (m.type === 'media.reset') {
        this.#rebuilding = this.#publish();
        // Awaited through settled(); a rebuild cut short by close() (no node left) is no unhandled error.
        this.#rebuilding.catch(() => {});
      }
    });
    await this.#publish();
  }

  async #publish(): Promise<void> {
    this.#transport?.close();
    const device = await loadDevice(this.signal);
    const info = await this.signal.request('media.createTransport', { direction: 'send' });
    const transport = device.createSendTransport(transportOptions(info));
    this.#transport = transport;
    transport.on('connect', ({ dtlsParameters }, ok, fail) => void this.signal.request('media.connectTransport', { transportId: info.id, dtlsParameters }).then(() => ok(), fail));
    transport.on('produce', ({ kind, rtpParameters }, ok, fail) =>
      void this.signal.request('media.produce', { transportId: info.id, kind, rtpParameters, source: this.source }).then((r) => ok({ id: r.id }), fail),
    );
    const producer = await transport.produce({
      track: this.#source.createTrack(),
      encodings:
        this.source === 'screen'
          ? [{ maxBitrate: 800_000, scalabilityMode: 'L1T1' }]
          : [
              { maxBitrate: 150_000, scaleResolutionDownBy: 4, scalabilityMode: 'L1T1' },
              { maxBitrate: 400_000, scaleResolutionDownBy: 2, scalabilityMode: 'L1T1' },
              { maxBitrate: 1_000_000, scaleResolutionDownBy: 1, scalabilityMode: 'L1T1' },
            ],
    });
    this.producerId = producer.id;
  }

  async settled(): Promise<void> {
    await this.#rebuilding;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#transport?.close();
    this.signal.close();
  }
}

/** Watches every video producer in the room; rebuilds its transport after every media.reset. */
export class Viewer {
  #transport: types.Transport | undefined;
  #device: Device | undefined;
  #transportId: string | undefined;
  /** Bumped on each rebuild: stats of an old transport never count for the new one. */
  generation = 0;
  readonly #ssrcs = new Set<number>();
  /** The room's consumer ids on the current transport. */
  readonly consumerIds: string[] = [];

  constructor(readonly signal: RoomSignal) {}

  async start(): Promise<void> {
    this.signal.on((m) => {
      if (m.type === 'media.reset') void this.#build().catch((e) => console.error('viewer rebuild failed', e));
      if (m.type === 'media.producer_added' && this.#transport) void this.#consume(m.producer as MediaProducer).catch((e) => console.error('consume failed', e));
    });
    await this.#build();
  }

  async #build(): Promise<void> {
    const generation = ++this.generation;
    this.#transport?.close();
    this.#transport = undefined;
    this.#ssrcs.clear();
    this.consumerIds.length = 0;
    const device = await loadDevice(this.signal);
    const info = await this.signal.request('media.createTransport', { direction: 'recv' });
    if (generation !== this.generation) return;
    this.#device = device;
    this.#transportId = info.id;
    const transport = device.createRecvTransport(transportOptions(info));
    transport.on('connect', ({ dtlsParameters }, ok, fail) => void this.signal.request('media.connectTransport', { transportId: info.id, dtlsParameters }).then(() => ok(), fail));
    this.#transport = transport;
    const { producers } = await this.signal.request<{ producers: MediaProducer[] }>('media.producers');
    for (const p of producers) await this.#consume(p);
  }

  async #consume(producer: MediaProducer): Promise<void> {
    if (producer.kind !== 'video' || !this.#transport || !this.#device) return;
    const transport = this.#transport;
    const info = await this.signal.request('media.consume', { transportId: this.#transportId, producerId: producer.producerId, rtpCapabilities: this.#device.rtpCapabilities });
    if (transport !== this.#transport) return;
    const consumer = await transport.consume({ id: info.id, producerId: info.producerId, kind: info.kind, rtpParameters: info.rtpParameters });
    this.#ssrcs.add(consumer.rtpParameters.encodings?.[0]?.ssrc ?? 0);
    this.consumerIds.push(info.id);
    await this.signal.request('media.resume', { consumerId: info.id });
  }

  /** Asks for one simulcast layer on every consumer. */
  async preferLayer(spatialLayer: number): Promise<void> {
    for (const consumerId of this.consumerIds) await this.signal.request('media.setPreferredLayers', { consumerId, spatialLayer });
  }

  /** Video received on the current transport: packets, decoded frames, and the width being decoded. */
  async video(): Promise<{ packetsReceived: number; framesDecoded: number; frameWidth: number }> {
    let packetsReceived = 0;
    let framesDecoded = 0;
    let frameWidth = 0;
    const stats = await this.#transport?.getStats();
    stats?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video' && this.#ssrcs.has(Number(s.ssrc))) {
        packetsReceived += Number(s.packetsReceived ?? 0);
        framesDecoded += Number(s.framesDecoded ?? 0);
        frameWidth = Math.max(frameWidth, Number(s.frameWidth ?? 0));
      }
    });
    return { packetsReceived, framesDecoded, frameWidth };
  }

  close(): void {
    this.#transport?.close();
    this.signal.close();
  }
}
