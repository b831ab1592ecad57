// The bench's load process: one real publisher (mediasoup-client over libwebrtc, 3-layer simulcast
// VP8, top layer ~1.5 Mbps) and N light receivers (ICE + DTLS + counting SRTP datagrams, no
// decoding), so the engine process measures only the engine.
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { DtlsClient, Message, ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, classes, methods } from 'werift';
import { createCertificate } from '../src/engine/embedded/certificate.ts';
import type { IceCandidate, IceParameters, Producer, Router, RtpCapabilities } from '../src/engine/types.ts';
import { PublisherBot } from '../test/support/bots.ts';
import type { BenchEnvelope, BenchRequest } from './rpc.ts';

let nextId = 1;
const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
process.on('message', (m: BenchEnvelope) => {
  if ('request' in m) return;
  const p = pending.get(m.id);
  pending.delete(m.id);
  if (m.error) p?.reject(new Error(m.error));
  else p?.resolve(m.result);
});
function call<T>(request: BenchRequest): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    process.send!({ id, request });
  });
}

interface ServerTransportInfo {
  id: string;
  iceParameters: IceParameters;
  iceCandidates: IceCandidate[];
  dtlsParameters: unknown;
}

// Just enough of a Router for PublisherBot, over IPC.
async function remoteRouter(): Promise<Router> {
  const rtpCapabilities = await call<RtpCapabilities>({ method: 'routerCapabilities' });
  return {
    rtpCapabilities,
    async createWebRtcTransport() {
      const t = await call<ServerTransportInfo>({ method: 'createTransport' });
      return {
        ...t,
        connect: ({ dtlsParameters }: { dtlsParameters: unknown }) => call<void>({ method: 'connect', transportId: t.id, dtlsParameters }),
        produce: async ({ kind, rtpParameters }: { kind: 'audio' | 'video'; rtpParameters: unknown }) =>
          ({ id: await call<string>({ method: 'produce', transportId: t.id, kind, rtpParameters }), kind }) as unknown as Producer,
        close() {},
      };
    },
  } as unknown as Router;
}

class LightReceiver {
  readonly socket = dgram.createSocket('udp4');
  packets = 0;
  bytes = 0;
  firstPacketAt = 0;
  #consent: NodeJS.Timeout | undefined;

  async start(rtpCapabilities: RtpCapabilities, producerId: string): Promise<void> {
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    const t = await call<ServerTransportInfo>({ method: 'createTransport' });
    const cert = await createCertificate();
    await call({ method: 'connect', transportId: t.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: cert.fingerprint }] } });
    const to = t.iceCandidates[0]!;
    const ufrag = randomBytes(4).toString('hex');
    const binding = () =>
      this.socket.send(
        new Message(methods.BINDING, classes.REQUEST)
          .setAttribute('USERNAME', `${t.iceParameters.usernameFragment}:${ufrag}`)
          .setAttribute('PRIORITY', 1853824767)
          .setAttribute('ICE-CONTROLLING', randomBytes(8).readBigUInt64BE())
          .setAttribute('USE-CANDIDATE', null)
          .addMessageIntegrity(Buffer.from(t.iceParameters.password))
          .addFingerprint().bytes,
        to.port,
        to.address,
      );
    binding();
    this.#consent = setInterval(binding, 2000);
    const transport = {
      type: 'udp',
      closed: false,
      address: { address: '127.0.0.1', port: 0, family: 'IPv4' },
      onData: (_d: Buffer, _a: unknown) => {},
      send: async (d: Buffer) => void this.socket.send(d, to.port, to.address),
      close: async () => {},
    };
    this.socket.on('message', (d) => {
      const b = d[0]!;
      if (b >= 128 && b <= 191) {
        if (this.packets++ === 0) this.firstPacketAt = performance.now();
        this.bytes += d.length;
      } else if (b >= 20 && b <= 63) transport.onData(d, [to.address, to.port]);
    });
    const client = new DtlsClient({
      transport: transport as never,
      cert: cert.certPem,
      key: cert.keyPem,
      signatureHash: cert.signatureHash as never,
      srtpProfiles: [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80],
      extendedMasterSecret: true,
    });
    const connected = new Promise<void>((resolve) => client.onConnect.once(() => resolve()));
    await client.connect();
    await connected;
    await call({ method: 'consume', transportId: t.id, producerId, rtpCapabilities });
  }

  close(): void {
    clearInterval(this.#consent);
    this.socket.close();
  }
}

const router = await remoteRouter();
const publisher = await PublisherBot.start(router, { width: 960, height: 540, fps: 30, layers: [150_000, 500_000, 1_500_000], audio: false });
const receivers: LightReceiver[] = [];

process.on('message', async (m: { command?: string; count?: number }) => {
  if (m.command === 'add') {
    const batch = Array.from({ length: m.count! }, () => new LightReceiver());
    receivers.push(...batch);
    for (let i = 0; i < batch.length; i += 10) {
      await Promise.all(batch.slice(i, i + 10).map((r) => r.start(router.rtpCapabilities, publisher.videoProducer.id)));
    }
    process.send!({ event: 'added', total: receivers.length });
  } else if (m.command === 'count') {
    process.send!({ event: 'count', packets: receivers.reduce((n, r) => n + r.packets, 0), receiving: receivers.filter((r) => r.packets > 0).length });
  } else if (m.command === 'publisher') {
    process.send!({ event: 'publisher', layers: await publisher.outbound() });
  } else if (m.command === 'stop') {
    for (const r of receivers) r.close();
    publisher.close();
    process.exit(0);
  }
});
process.send!({ event: 'ready', producerId: publisher.videoProducer.id });
