// The browser's media in one room (mediasoup-client), driven through the room socket: load the
// router's capabilities, a send transport for what this participant publishes (camera as 3-layer
// VP8 simulcast, microphone, screen), a recv transport consuming every announced producer (created
// paused, resumed once attached), preferred simulcast layers from the player's size, ICE restarts,
// and a full rebuild when the room says `media.reset` or the socket comes back after a drop.
// The one owner of mediasoup objects on the page; the UI only reads `snapshot()`.
import { Device, type types } from 'mediasoup-client';
import { isProgramSource } from '@roomcast/schema/protocol';
import type { MediaMethod, MediaProducer, MediaRequestInput, MediaResult, MediaSource, MediaState, ServerMessage } from '@roomcast/schema/protocol';
import { mark, RequestError } from './signaling';
import { TRANSPORT_CONNECT_DEADLINE_MS, TransportWatchdog } from './transport-watchdog';

export type Requester = <M extends MediaMethod>(method: M, data: MediaRequestInput<M>) => Promise<MediaResult<M>>;

/** Camera simulcast: quarter, half and full resolution; the SFU forwards one per viewer. */
export const CAMERA_ENCODINGS: RTCRtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];
const SCREEN_ENCODINGS: RTCRtpEncodingParameters[] = [{ maxBitrate: 2_500_000 }];
/** The studio's program: one full-size layer (it is recorded as sent; no viewer picks a layer). */
const PROGRAM_ENCODINGS: RTCRtpEncodingParameters[] = [{ maxBitrate: 3_000_000, maxFramerate: 30 }];

/** Which simulcast layer suits a player this many CSS pixels wide (device pixels counted). */
export function spatialLayerFor(widthCssPx: number, devicePixelRatio = 1): number {
  const px = widthCssPx * devicePixelRatio;
  if (px <= 360) return 0;
  if (px <= 800) return 1;
  return 2;
}

/** What the page says when the room reports media `unavailable`, by the room's reason. */
export function unavailableText(reason: string | undefined): string {
  // Not a fault: the room has no live session yet, so there is nothing to place.
  if (reason === 'room_not_live') return 'The host has not started the room yet.';
  return `No media server is available right now${reason ? ` (${reason})` : ''}`;
}

export interface RemoteMedia {
  producer: MediaProducer;
  consumer: types.Consumer;
  track: MediaStreamTrack;
}

export interface MediaSnapshot {
  /** The room's media placement, as last announced. */
  status: MediaState | 'unknown';
  /** True once the device is loaded and the transports this participant needs exist. */
  ready: boolean;
  /** The room's media node was lost (`media.reset`): media is being rebuilt until the room is ready again. */
  rebuilding: boolean;
  /** Everything published in the room by others. */
  producers: MediaProducer[];
  /** What this page receives, by producer id. */
  remote: RemoteMedia[];
  /** What this page publishes, by source. */
  local: { source: MediaSource; producerId: string | undefined; paused: boolean; track: MediaStreamTrack }[];
  error: string | undefined;
}

interface Outgoing {
  track: MediaStreamTrack;
  paused: boolean;
  producer: types.Producer | undefined;
  /** Set while a produce call is in flight, so two calls cannot publish one source twice. */
  producing: Promise<void> | undefined;
}

export interface MediaSessionOptions {
  request: Requester;
  selfIdentity: string;
  /** Receive others' media (viewers; hosts watching cohosts). */
  receive: boolean;
  /** May publish (the `publish` grant). */
  publish: boolean;
  /**
   * Receive the studio program (`program`, `program_audio`) too. Off by default: players lay out
   * the individual tracks, and the program's audio would double the microphones.
   */
  receiveProgram?: boolean;
  /** TURN servers for new transports (the newest join's credentials); absent: none. */
  iceServers?: () => types.TransportOptions['iceServers'];
}

/**
 * 'relay' sends all media through TURN: set localStorage `roomcast.iceTransportPolicy` to `relay`
 * to see what a participant on a network that blocks the media ports sees.
 */
function iceTransportPolicy(): 'all' | 'relay' {
  try {
    return globalThis.localStorage?.getItem('roomcast.iceTransportPolicy') === 'relay' ? 'relay' : 'all';
  } catch {
    return 'all';
  }
}

export class MediaSession {
  readonly #o: MediaSessionOptions;
  #status: MediaState | 'unknown' = 'unknown';
  #device: Device | undefined;
  #send: types.Transport | undefined;
  #recv: types.Transport | undefined;
  /** Bumped on every teardown: work started for an older generation stops when it resumes. */
  #generation = 0;
  #starting: Promise<void> | undefined;
  #ready = false;
  #rebuilding = false;
  #producers = new Map<string, MediaProducer>();
  #remote = new Map<string, RemoteMedia>();
  #consuming = new Set<string>();
  #outgoing = new Map<MediaSource, Outgoing>();
  #layers = new Map<MediaSource, number>();
  #error: string | undefined;
  #listeners = new Set<() => void>();
  #closed = false;

  constructor(options: MediaSessionOptions) {
    this.#o = options;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed() {
    for (const l of this.#listeners) l();
  }

  snapshot(): MediaSnapshot {
    return {
      status: this.#status,
      ready: this.#ready,
      rebuilding: this.#rebuilding,
      producers: [...this.#producers.values()],
      remote: [...this.#remote.values()],
      local: [...this.#outgoing].map(([source, o]) => ({ source, producerId: o.producer?.id, paused: o.paused, track: o.track })),
      error: this.#error,
    };
  }

  /** Room frames that concern media. */
  handle(message: ServerMessage): void {
    if (this.#closed) return;
    switch (message.type) {
      case 'media.status':
        this.#status = message.state;
        if (message.state === 'ready') this.#rebuilding = false;
        this.#error = message.state === 'unavailable' ? unavailableText(message.error) : undefined;
        if (message.state === 'ready') void this.#start();
        break;
      case 'media.producers':
        this.#producers = new Map(message.producers.filter((p) => this.#wanted(p)).map((p) => [p.producerId, p]));
        for (const id of [...this.#remote.keys()]) if (!this.#producers.has(id)) this.#dropRemote(id);
        void this.#consumeAll();
        break;
      case 'media.producer_added':
      case 'media.producer_updated':
        if (!this.#wanted(message.producer)) break;
        this.#producers.set(message.producer.producerId, message.producer);
        void this.#consumeAll();
        break;
      case 'media.producer_closed':
        this.#producers.delete(message.producerId);
        this.#dropRemote(message.producerId);
        // One of ours, closed by the room (a studio guest sent backstage): the track stays, so a
        // later publish (back on stage) produces it again.
        for (const out of this.#outgoing.values()) {
          if (out.producer?.id !== message.producerId) continue;
          out.producer.close();
          out.producer = undefined;
        }
        break;
      case 'media.consumer_closed':
        this.#dropRemote(message.producerId);
        break;
      case 'media.transport_closed':
        if (message.transportId === this.#send?.id || message.transportId === this.#recv?.id) this.rebuild();
        break;
      case 'media.reset':
        // The node is gone: nothing on it exists any more. Rebuild when the room is ready again.
        this.#rebuilding = true;
        this.rebuild();
        this.#status = 'placing';
        break;
      default:
        return;
    }
    this.#changed();
  }

  /** Others' producers, without the studio program unless asked for. */
  #wanted(producer: MediaProducer): boolean {
    return producer.identity !== this.#o.selfIdentity && (this.#o.receiveProgram === true || !isProgramSource(producer.source));
  }

  /** Drops every transport, producer and consumer (locally) and starts over if the room is ready. */
  rebuild(): void {
    this.#teardown();
    this.#changed();
    if (this.#status === 'ready') void this.#start();
  }

  /** After the socket came back: old transports may belong to the dropped connection; start fresh. */
  reconnected(): void {
    this.#teardown();
    this.#status = 'unknown';
    // From here the socket's own state says whether we are reconnecting.
    this.#rebuilding = false;
    this.#changed();
  }

  #teardown() {
    this.#generation++;
    this.#starting = undefined;
    this.#ready = false;
    this.#send?.close();
    this.#recv?.close();
    this.#send = undefined;
    this.#recv = undefined;
    this.#device = undefined;
    for (const r of this.#remote.values()) r.consumer.close();
    this.#remote.clear();
    this.#consuming.clear();
    for (const o of this.#outgoing.values()) {
      o.producer = undefined;
      o.producing = undefined;
    }
  }

  #start(): Promise<void> {
    this.#starting ??= this.#build(this.#generation).catch((error: unknown) => {
      this.#starting = undefined;
      if (error instanceof StaleGeneration) return;
      this.#error = error instanceof Error ? error.message : String(error);
      this.#changed();
      // `unavailable` while the room is still placing: the next `media.status` ready retries.
      if (!(error instanceof RequestError && error.code === 'unavailable')) console.warn('[media] start failed', error);
    });
    return this.#starting;
  }

  async #build(generation: number) {
    const check = () => {
      if (generation !== this.#generation || this.#closed) throw new StaleGeneration();
    };
    // The router's capabilities and the transports are independent requests: ask for them in one
    // round trip instead of three (each goes room -> node -> room).
    const asked = await Promise.allSettled([
      this.#o.request('media.capabilities', {}),
      this.#o.receive ? this.#o.request('media.createTransport', { direction: 'recv' }) : Promise.resolve(undefined),
      this.#o.publish ? this.#o.request('media.createTransport', { direction: 'send' }) : Promise.resolve(undefined),
    ]);
    mark('media:answered');
    const failed = asked.find((r) => r.status === 'rejected');
    if (failed || generation !== this.#generation || this.#closed) {
      // Leave nothing behind on the node for a half-finished start.
      for (const r of asked.slice(1)) {
        const transport = r.status === 'fulfilled' ? (r.value as { id: string } | undefined) : undefined;
        if (transport) void this.#o.request('media.closeTransport', { transportId: transport.id }).catch(() => {});
      }
      if (failed) throw (failed as PromiseRejectedResult).reason;
      check();
    }
    const [capabilities, recvInfo, sendInfo] = asked.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      MediaResult<'media.capabilities'>,
      MediaResult<'media.createTransport'> | undefined,
      MediaResult<'media.createTransport'> | undefined,
    ];
    const device = new Device();
    await device.load({ routerRtpCapabilities: capabilities.routerRtpCapabilities as types.RtpCapabilities });
    check();
    mark('media:device-loaded');
    this.#device = device;
    const ice = { iceServers: this.#o.iceServers?.() ?? [], iceTransportPolicy: iceTransportPolicy() } satisfies Partial<types.TransportOptions>;
    if (recvInfo) {
      this.#recv = device.createRecvTransport({ ...(recvInfo as types.TransportOptions), ...ice });
      this.#wire(this.#recv, generation);
    }
    if (sendInfo) {
      const send = device.createSendTransport({ ...(sendInfo as types.TransportOptions), ...ice });
      this.#send = send;
      this.#wire(send, generation);
      send.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        const source = appData.source as MediaSource;
        const paused = Boolean(appData.paused);
        this.#o
          .request('media.produce', { transportId: send.id, kind, rtpParameters: rtpParameters as never, source, paused })
          .then(({ id }) => callback({ id }), errback);
      });
    }
    mark('media:transports');
    this.#ready = true;
    this.#error = undefined;
    this.#changed();
    await Promise.all([this.#consumeAll(), ...[...this.#outgoing.keys()].map((s) => this.#produce(s))]);
  }

  #wire(transport: types.Transport, generation: number) {
    const watchdog = new TransportWatchdog(transport, (state) => {
      if (generation !== this.#generation || this.#closed) return;
      console.warn(`[media] ${transport.direction} transport still ${state} ${TRANSPORT_CONNECT_DEADLINE_MS} ms on; building the media again`);
      // Both transports go on the node too, with what they carry (viewers see those producers close).
      for (const t of [this.#send, this.#recv]) if (t) void this.#o.request('media.closeTransport', { transportId: t.id }).catch(() => {});
      this.rebuild();
    });
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      watchdog.arm();
      this.#o.request('media.connectTransport', { transportId: transport.id, dtlsParameters: dtlsParameters as never }).then(() => callback(), errback);
    });
    transport.observer.on('close', () => watchdog.disarm());
    transport.on('connectionstatechange', (state) => {
      mark(`media:${transport.direction}-${state}`);
      watchdog.stateChanged(state);
      if (generation !== this.#generation) return;
      if (state === 'disconnected' || state === 'failed') {
        this.#o
          .request('media.restartIce', { transportId: transport.id })
          .then(({ iceParameters }) => transport.restartIce({ iceParameters: iceParameters as types.IceParameters }))
          .catch((error: unknown) => console.warn('[media] ICE restart failed', error));
      }
    });
  }

  async #consumeAll() {
    if (!this.#ready || !this.#recv) return;
    await Promise.all([...this.#producers.values()].map((p) => this.#consume(p)));
  }

  async #consume(producer: MediaProducer) {
    const recv = this.#recv;
    const device = this.#device;
    if (!recv || !device || this.#remote.has(producer.producerId) || this.#consuming.has(producer.producerId)) return;
    const generation = this.#generation;
    this.#consuming.add(producer.producerId);
    try {
      const info = await this.#o.request('media.consume', {
        transportId: recv.id,
        producerId: producer.producerId,
        rtpCapabilities: device.rtpCapabilities as never,
      });
      if (generation !== this.#generation) return;
      const consumer = await recv.consume({
        id: info.id,
        producerId: info.producerId,
        kind: info.kind,
        rtpParameters: info.rtpParameters as types.RtpParameters,
      });
      if (generation !== this.#generation || !this.#producers.has(producer.producerId)) {
        consumer.close();
        return;
      }
      mark(`media:consumed-${producer.kind}`);
      this.#remote.set(producer.producerId, { producer, consumer, track: consumer.track });
      this.#changed();
      const layer = this.#layers.get(producer.source);
      if (producer.kind === 'video' && layer !== undefined) {
        await this.#o.request('media.setPreferredLayers', { consumerId: consumer.id, spatialLayer: layer }).catch(() => {});
      }
      await this.#o.request('media.resume', { consumerId: consumer.id });
      mark(`media:resumed-${producer.kind}`);
    } catch (error) {
      if (!(error instanceof RequestError && error.code === 'disconnected')) console.warn('[media] consume failed', producer, error);
    } finally {
      this.#consuming.delete(producer.producerId);
    }
  }

  #dropRemote(producerId: string) {
    const remote = this.#remote.get(producerId);
    if (!remote) return;
    remote.consumer.close();
    this.#remote.delete(producerId);
  }

  /** Player size changed: ask for the simulcast layer that fits, for every consumer of `source`. */
  setPreferredLayer(source: MediaSource, spatialLayer: number): void {
    if (this.#layers.get(source) === spatialLayer) return;
    this.#layers.set(source, spatialLayer);
    for (const r of this.#remote.values()) {
      if (r.producer.source === source && r.producer.kind === 'video') {
        void this.#o.request('media.setPreferredLayers', { consumerId: r.consumer.id, spatialLayer }).catch(() => {});
      }
    }
  }

  /** Publishes (or replaces) the track for `source`. Survives rebuilds: it is produced again. */
  async publish(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    const current = this.#outgoing.get(source);
    if (current?.producer && !current.producer.closed) {
      current.track = track;
      await current.producer.replaceTrack({ track });
      this.#changed();
      return;
    }
    this.#outgoing.set(source, { track, paused: current?.paused ?? false, producer: undefined, producing: undefined });
    this.#changed();
    await this.#produce(source);
  }

  #produce(source: MediaSource): Promise<void> {
    const out = this.#outgoing.get(source);
    const send = this.#send;
    if (!out || !send || !this.#ready || out.producer) return Promise.resolve();
    out.producing ??= (async () => {
      const generation = this.#generation;
      try {
        const producer = await send.produce({
          track: out.track,
          stopTracks: false,
          ...(source === 'camera' ? { encodings: CAMERA_ENCODINGS, codecOptions: { videoGoogleStartBitrate: 1000 } } : {}),
          ...(source === 'screen' ? { encodings: SCREEN_ENCODINGS } : {}),
          ...(source === 'program' ? { encodings: PROGRAM_ENCODINGS, codecOptions: { videoGoogleStartBitrate: 1500 } } : {}),
          appData: { source, paused: out.paused },
        });
        if (generation !== this.#generation || this.#outgoing.get(source) !== out) {
          producer.close();
          return;
        }
        out.producer = producer;
        if (out.paused) producer.pause();
        producer.on('trackended', () => void this.unpublish(source));
        this.#changed();
      } catch (error) {
        this.#error = `Could not publish ${source}: ${error instanceof Error ? error.message : String(error)}`;
        this.#changed();
      } finally {
        out.producing = undefined;
      }
    })();
    return out.producing;
  }

  /** Stops publishing `source`. */
  async unpublish(source: MediaSource): Promise<void> {
    const out = this.#outgoing.get(source);
    if (!out) return;
    this.#outgoing.delete(source);
    const producer = out.producer;
    this.#changed();
    if (producer && !producer.closed) {
      producer.close();
      await this.#o.request('media.closeProducer', { producerId: producer.id }).catch(() => {});
    }
  }

  /** Mutes or unmutes what is published for `source`, for everyone in the room. */
  async setPaused(source: MediaSource, paused: boolean): Promise<void> {
    const out = this.#outgoing.get(source);
    if (!out) return;
    out.paused = paused;
    this.#changed();
    const producer = out.producer;
    if (!producer || producer.closed) return;
    if (paused) producer.pause();
    else producer.resume();
    await this.#o.request(paused ? 'media.pause' : 'media.resume', { producerId: producer.id }).catch(() => {});
  }

  /** Stats for tests and the connection panel: inbound video per consumer. */
  async inboundVideoStats(): Promise<{ producerId: string; source: MediaSource; framesDecoded: number; frameWidth: number }[]> {
    const out: { producerId: string; source: MediaSource; framesDecoded: number; frameWidth: number }[] = [];
    for (const r of this.#remote.values()) {
      if (r.producer.kind !== 'video') continue;
      let framesDecoded = 0;
      let frameWidth = 0;
      (await r.consumer.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp') {
          framesDecoded += Number(s.framesDecoded ?? 0);
          frameWidth = Math.max(frameWidth, Number(s.frameWidth ?? 0));
        }
      });
      out.push({ producerId: r.producer.producerId, source: r.producer.source, framesDecoded, frameWidth });
    }
    return out;
  }

  /** ICE/DTLS state of this page's transports (diagnostics, tests). */
  transportStates(): { send: string | undefined; recv: string | undefined } {
    return { send: this.#send?.connectionState, recv: this.#recv?.connectionState };
  }

  close(): void {
    this.#closed = true;
    this.#teardown();
    for (const o of this.#outgoing.values()) o.track.stop();
    this.#outgoing.clear();
    this.#changed();
  }
}

class StaleGeneration extends Error {}
