// DTLS 1.2 for one transport, in whichever role `connect()` leaves us, and the SRTP keys it
// exports. werift does not check the peer certificate against the fingerprint signaled in
// `connect()`: we hash the certificate it received and refuse the session when it differs.
import { createHash } from 'node:crypto';
import {
  DtlsClient,
  DtlsServer,
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  SrtcpSession,
  SrtpSession,
  keyLength,
  saltLength,
} from 'werift';
import type { DtlsFingerprint, DtlsState } from '../rtp-parameters.ts';
import { type DtlsCertificate, normalizeFingerprint } from './certificate.ts';
import { SrtpSender } from './srtp-sender.ts';

export interface SrtpContexts {
  /** Incoming SRTP, and SRTCP both ways. */
  srtp: SrtpSession;
  srtcp: SrtcpSession;
  /** Outgoing RTP. */
  sender: SrtpSender;
  profile: number;
}

export interface DtlsSessionEvents {
  send(data: Buffer): void;
  stateChange(state: DtlsState): void;
  connected(contexts: SrtpContexts): void;
}

const HASHES: Record<string, string> = { 'sha-1': 'sha1', 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };

export class DtlsSession {
  state: DtlsState = 'new';
  failureReason: string | undefined;
  #socket: DtlsServer | DtlsClient | undefined;
  #fingerprints: DtlsFingerprint[] = [];
  #role: 'client' | 'server' | undefined;
  #onData: ((data: Buffer, addr: [string, number]) => void) | undefined;

  constructor(
    private readonly certificate: DtlsCertificate,
    private readonly events: DtlsSessionEvents,
  ) {}

  get role(): 'client' | 'server' | undefined {
    return this.#role;
  }

  /** `remoteRole` is the peer's role; 'auto' makes us the client, as mediasoup does. */
  start(remoteRole: 'auto' | 'client' | 'server', fingerprints: DtlsFingerprint[]): void {
    this.#fingerprints = fingerprints;
    this.#role = remoteRole === 'client' ? 'server' : 'client';
    const options = {
      transport: {
        type: 'udp',
        closed: false,
        address: { address: '0.0.0.0', port: 0, family: 'IPv4' },
        onData: (data: Buffer, addr: [string, number]) => void [data, addr],
        send: async (data: Buffer) => this.events.send(data),
        close: async () => {},
      },
      cert: this.certificate.certPem,
      key: this.certificate.keyPem,
      signatureHash: this.certificate.signatureHash,
      srtpProfiles: [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80],
      certificateRequest: true,
      extendedMasterSecret: true,
    };
    const socket = this.#role === 'server' ? new DtlsServer(options as never) : new DtlsClient(options as never);
    this.#socket = socket;
    // werift replaces transport.onData with its own reader; keep a handle to feed it.
    this.#onData = (data, addr) => options.transport.onData(data, addr);
    socket.onConnect.subscribe(() => this.#onHandshakeDone());
    socket.onError.subscribe((error: Error) => this.#fail(error?.message ?? String(error)));
    socket.onClose.subscribe(() => this.#setState('closed'));
    this.#setState('connecting');
  }

  /** For the client role: send the ClientHello once ICE has a path. */
  beginHandshakeIfClient(): void {
    if (this.#role !== 'client' || !(this.#socket instanceof DtlsClient) || this.state !== 'connecting') return;
    this.#socket.connect().catch((error: unknown) => this.#fail(String(error)));
  }

  handleDatagram(data: Buffer): void {
    // Before connect() we do not know our role; the peer retransmits its flight.
    if (!this.#onData || this.state === 'failed' || this.state === 'closed') return;
    try {
      this.#onData(data, ['0.0.0.0', 0]);
    } catch (error) {
      this.#fail(String(error));
    }
  }

  close(): void {
    try {
      this.#socket?.close();
    } catch {
      // closing a socket that never connected may throw inside werift; nothing to release
    }
    this.#setState('closed');
  }

  #onHandshakeDone(): void {
    const socket = this.#socket;
    if (!socket || this.state !== 'connecting') return;
    const der = socket.remoteCertificate;
    if (!der || !this.#fingerprintMatches(der)) {
      this.#fail('remote certificate does not match the fingerprint given in connect()');
      return;
    }
    const profile = socket.srtp.srtpProfile;
    if (profile === undefined) {
      this.#fail('no SRTP profile negotiated');
      return;
    }
    const k = socket.extractSessionKeys(keyLength(profile), saltLength(profile));
    const config = {
      profile,
      keys: { localMasterKey: k.localKey, localMasterSalt: k.localSalt, remoteMasterKey: k.remoteKey, remoteMasterSalt: k.remoteSalt },
    };
    this.#setState('connected');
    this.events.connected({
      srtp: new SrtpSession(config),
      srtcp: new SrtcpSession(config),
      sender: new SrtpSender(profile, k.localKey, k.localSalt),
      profile,
    });
  }

  #fingerprintMatches(der: Buffer): boolean {
    return this.#fingerprints.some((f) => {
      const algorithm = HASHES[f.algorithm.toLowerCase()];
      if (!algorithm) return false;
      const actual = createHash(algorithm).update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
      return actual === normalizeFingerprint(f.value);
    });
  }

  #fail(reason: string): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.failureReason = reason;
    try {
      this.#socket?.close();
    } catch {
      // already torn down
    }
    this.#setState('failed');
  }

  #setState(state: DtlsState): void {
    if (this.state === state) return;
    if (this.state === 'closed' || (this.state === 'failed' && state !== 'closed')) return;
    this.state = state;
    this.events.stateChange(state);
  }
}
