// A raw UDP peer for the hostile cases: hand-made STUN, a DTLS client with its own certificate,
// and garbage.
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { DtlsClient, DtlsServer, Message, ProtectionProfileAes128CmHmacSha1_80, ProtectionProfileAeadAes128Gcm, classes, methods, parseMessage } from 'werift';
import { createCertificate, type DtlsCertificate } from '../../src/engine/embedded/certificate.ts';
import type { IceCandidate, IceParameters } from '../../src/engine/types.ts';

export class RawPeer {
  readonly #socket = dgram.createSocket('udp4');
  readonly #listeners = new Set<(data: Buffer) => void>();
  readonly ufrag = randomBytes(4).toString('hex');

  private constructor() {
    this.#socket.on('message', (data) => {
      for (const l of this.#listeners) l(data);
    });
  }

  static async open(): Promise<RawPeer> {
    const peer = new RawPeer();
    await new Promise<void>((r) => peer.#socket.bind(0, '127.0.0.1', () => r()));
    return peer;
  }

  send(data: Buffer, to: IceCandidate): void {
    this.#socket.send(data, to.port, to.address ?? to.ip);
  }

  /** A controlling agent's Binding request for `ice`, signed with `password`. */
  static bindingRequest(ice: IceParameters, { password = ice.password, nominate = true, ufrag = 'peer' } = {}): Message {
    let request = new Message(methods.BINDING, classes.REQUEST)
      .setAttribute('USERNAME', `${ice.usernameFragment}:${ufrag}`)
      .setAttribute('PRIORITY', 1853824767)
      .setAttribute('ICE-CONTROLLING', randomBytes(8).readBigUInt64BE());
    if (nominate) request = request.setAttribute('USE-CANDIDATE', null);
    return request.addMessageIntegrity(Buffer.from(password)).addFingerprint();
  }

  /** Sends a Binding request; resolves with the verified response, or undefined after `timeoutMs`. */
  async bindingRequest(
    to: IceCandidate,
    ice: IceParameters,
    { password = ice.password, nominate = true, timeoutMs = 1000 } = {},
  ): Promise<Message | undefined> {
    const request = RawPeer.bindingRequest(ice, { password, nominate, ufrag: this.ufrag });
    const bytes = request.bytes;
    return new Promise((resolve) => {
      const done = (value: Message | undefined) => {
        clearTimeout(timer);
        this.#listeners.delete(onData);
        resolve(value);
      };
      const onData = (data: Buffer) => {
        const response = parseMessage(data, Buffer.from(ice.password));
        if (response && Buffer.compare(response.transactionId, request.transactionId) === 0) done(response);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.#listeners.add(onData);
      this.send(bytes, to);
    });
  }

  /** Runs a DTLS handshake over this socket, as the client (default) or as the server. */
  async dtlsHandshake(
    to: IceCandidate,
    certificate?: DtlsCertificate,
    role: 'client' | 'server' = 'client',
  ): Promise<{ certificate: DtlsCertificate; socket: DtlsClient | DtlsServer }> {
    const cert = certificate ?? (await createCertificate());
    const transport = {
      type: 'udp',
      closed: false,
      address: { address: '127.0.0.1', port: 0, family: 'IPv4' },
      onData: (_data: Buffer, _addr: unknown) => {},
      send: async (data: Buffer) => this.send(data, to),
      close: async () => {},
    };
    const onData = (data: Buffer) => {
      if (data[0]! >= 20 && data[0]! <= 63) transport.onData(data, [to.address, to.port]);
    };
    this.#listeners.add(onData);
    const options = {
      transport: transport as never,
      cert: cert.certPem,
      key: cert.keyPem,
      signatureHash: cert.signatureHash as never,
      srtpProfiles: [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80],
      extendedMasterSecret: true,
      certificateRequest: true,
    };
    if (role === 'server') return { certificate: cert, socket: new DtlsServer(options) };
    const client = new DtlsClient(options);
    void client.connect().catch(() => {});
    return { certificate: cert, socket: client };
  }

  close(): void {
    this.#listeners.clear();
    this.#socket.close();
  }
}
