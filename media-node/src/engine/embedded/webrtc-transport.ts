// A WebRTC transport: ICE-lite + DTLS + SRTP on the worker's shared UDP port, carrying the
// producers and consumers created on it, and the RTCP between them and the peer.
import type { RtpHeader, SrtcpSession, SrtpSession } from 'werift';
import { EngineError } from '../errors.ts';
import type { DtlsParameters, DtlsState, IceCandidate, IceParameters, IceState, TransportStat, TransportTuple, WebRtcTransport } from '../types.ts';
import { classifyDatagram } from './demux.ts';
import { DtlsSession } from './dtls-session.ts';
import { IceLite } from './ice-lite.ts';
import { EmbeddedRtpTransport } from './rtp-transport.ts';
import type { SrtpSender } from './srtp-sender.ts';
import type { MuxEndpoint, RemoteAddress } from './udp-mux.ts';
import type { RouterContext } from './router.ts';

export class EmbeddedWebRtcTransport extends EmbeddedRtpTransport implements WebRtcTransport, MuxEndpoint {
  readonly iceRole = 'controlled' as const;

  readonly #ice: IceLite;
  readonly #dtls: DtlsSession;
  #srtp: SrtpSession | undefined;
  #srtcp: SrtcpSession | undefined;
  #sender: SrtpSender | undefined;
  #connectCalled = false;
  #selectedForMux: RemoteAddress | undefined;

  constructor(
    ctx: RouterContext,
    private readonly protocols: { udp: boolean; tcp: boolean },
    appData: Record<string, unknown>,
  ) {
    super(ctx, appData);
    this.#ice = new IceLite(
      {
        send: (data, to) => this.#sendRaw(data, to),
        selectedTuple: (tuple) => this.#onSelectedTuple(tuple),
        stateChange: (state) => this.emit('icestatechange', state),
      },
      ctx.consentTimeoutMs,
    );
    this.#dtls = new DtlsSession(ctx.certificate, {
      send: (data) => this.#sendToPeer(data),
      stateChange: (state) => this.#onDtlsState(state),
      connected: ({ srtp, srtcp, sender }) => {
        this.#srtp = srtp;
        this.#srtcp = srtcp;
        this.#sender = sender;
        this.wireReady();
      },
    });
    ctx.mux.addUfrag(this.#ice.ufrag, this);
  }

  get iceParameters(): IceParameters {
    return this.#ice.parameters;
  }

  get iceCandidates(): IceCandidate[] {
    const address = this.ctx.announcedAddress;
    const port = this.ctx.mux.port;
    const candidates: IceCandidate[] = [];
    // UDP first and with the higher priority, as mediasoup orders them with preferUdp.
    if (this.protocols.udp) candidates.push({ foundation: 'udpcandidate', priority: 1076302079, address, ip: address, protocol: 'udp', port, type: 'host' });
    if (this.protocols.tcp) {
      candidates.push({ foundation: 'tcpcandidate', priority: 1076276479, address, ip: address, protocol: 'tcp', port, type: 'host', tcpType: 'passive' });
    }
    return candidates;
  }

  get iceState(): IceState {
    return this.#ice.state;
  }

  get iceSelectedTuple(): TransportTuple | undefined {
    const s = this.#ice.selected;
    return s && { localAddress: this.ctx.announcedAddress, localPort: this.ctx.mux.port, remoteIp: s.address, remotePort: s.port, protocol: s.tcp ? 'tcp' : 'udp' };
  }

  get dtlsParameters(): DtlsParameters {
    return { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: this.ctx.certificate.fingerprint }] };
  }

  get dtlsState(): DtlsState {
    return this.#dtls.state;
  }

  /** Why DTLS failed, when it did (a certificate that does not match, for one). */
  get dtlsFailureReason(): string | undefined {
    return this.#dtls.failureReason;
  }

  get iceRejectedRequests(): number {
    return this.#ice.rejectedRequests;
  }

  async connect({ dtlsParameters }: { dtlsParameters: DtlsParameters }): Promise<void> {
    this.assertOpen();
    if (this.#connectCalled) throw new EngineError('invalid_state', 'connect() already called');
    const fingerprints = dtlsParameters?.fingerprints;
    if (!Array.isArray(fingerprints) || fingerprints.length === 0) {
      throw new EngineError('invalid_parameters', 'dtlsParameters.fingerprints is empty');
    }
    this.#connectCalled = true;
    this.#dtls.start(dtlsParameters.role ?? 'auto', fingerprints);
    if (this.#ice.selected) this.#dtls.beginHandshakeIfClient();
  }

  async restartIce(): Promise<IceParameters> {
    this.assertOpen();
    this.ctx.mux.removeUfrag(this.#ice.ufrag);
    const parameters = this.#ice.restart();
    this.ctx.mux.addUfrag(this.#ice.ufrag, this);
    return parameters;
  }

  async setMaxIncomingBitrate(bitrate: number): Promise<void> {
    this.maxIncomingBitrate = Math.max(10_000, bitrate);
  }

  async getStats(): Promise<TransportStat[]> {
    return [
      {
        ...this.statBase(),
        type: 'webrtc-transport',
        iceRole: this.iceRole,
        iceState: this.iceState,
        ...(this.iceSelectedTuple ? { iceSelectedTuple: this.iceSelectedTuple } : {}),
        dtlsState: this.dtlsState,
      },
    ];
  }

  // ---- wire side ----

  onDatagram(data: Buffer, from: RemoteAddress): void {
    if (this.closed) return;
    this.countReceived(data.length);
    try {
      switch (classifyDatagram(data)) {
        case 'stun':
          this.#ice.handleStun(data, from);
          return;
        case 'dtls':
          if (this.#isSelected(from)) this.#dtls.handleDatagram(data);
          else this.counters.dropped++;
          return;
        case 'rtp':
          this.#onRtp(data);
          return;
        case 'rtcp':
          this.#onRtcp(data);
          return;
        default:
          this.counters.dropped++;
      }
    } catch {
      this.counters.dropped++;
    }
  }

  get ready(): boolean {
    return this.#sender !== undefined && this.#ice.selected !== undefined && !this.closed;
  }

  protected get rtcpReady(): boolean {
    return this.#srtcp !== undefined;
  }

  sendRtp(header: RtpHeader, payload: Buffer): number {
    if (!this.#sender || !this.#ice.selected) return 0;
    const packet = this.#sender.protect(header, payload);
    this.#sendToPeer(packet);
    return packet.length;
  }

  sendRtcp(data: Buffer): void {
    if (!this.#srtcp || !this.#ice.selected) return;
    this.#sendToPeer(this.#srtcp.encrypt(data));
  }

  #onRtp(data: Buffer): void {
    if (!this.#srtp) return void this.counters.dropped++;
    let plain: Buffer;
    try {
      plain = this.#srtp.decrypt(data);
    } catch {
      this.counters.srtpErrors++;
      return;
    }
    this.receiveRtp(plain);
  }

  #onRtcp(data: Buffer): void {
    if (!this.#srtcp) return void this.counters.dropped++;
    let plain: Buffer;
    try {
      plain = this.#srtcp.decrypt(data);
    } catch {
      this.counters.srtpErrors++;
      return;
    }
    this.receiveRtcp(plain);
  }

  #onSelectedTuple(tuple: RemoteAddress): void {
    const previous = this.#selectedForMux;
    if (previous) this.ctx.mux.removeRemote(previous, this);
    this.#selectedForMux = { ...tuple };
    this.ctx.mux.addRemote(tuple, this);
    this.emit('iceselectedtuplechange', this.iceSelectedTuple!);
    if (this.#connectCalled) this.#dtls.beginHandshakeIfClient();
  }

  #onDtlsState(state: DtlsState): void {
    if (state !== 'connected') {
      this.#srtp = undefined;
      this.#srtcp = undefined;
      this.#sender = undefined;
    }
    this.emit('dtlsstatechange', state);
  }

  #isSelected(from: RemoteAddress): boolean {
    const s = this.#ice.selected;
    return s !== undefined && s.address === from.address && s.port === from.port && s.tcp?.id === from.tcp?.id;
  }

  #sendToPeer(data: Buffer): void {
    const to = this.#ice.selected;
    if (!to) return;
    this.#sendRaw(data, to);
  }

  #sendRaw(data: Buffer, to: RemoteAddress): void {
    this.countSent(data.length);
    this.ctx.mux.send(data, to);
  }

  protected closeWire(): void {
    this.#dtls.close();
    this.#ice.close();
    this.ctx.mux.removeUfrag(this.#ice.ufrag);
    if (this.#selectedForMux) this.ctx.mux.removeRemote(this.#selectedForMux, this);
  }
}
