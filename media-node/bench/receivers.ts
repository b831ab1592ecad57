// The bench's receivers process: N light receivers (ICE + DTLS + counting SRTP datagrams, no
// decoding) and counting sinks for plain, pipe and relayed streams, so the engine process
// measures only the engine.
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { DtlsClient, Message, ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, classes, methods } from 'werift';
import { createCertificate } from '../src/engine/embedded/certificate.ts';
import type { RtpCapabilities } from '../src/engine/types.ts';
import { type ServerTransportInfo, answerCpu, call } from './child-rpc.ts';
import { CountingSink } from './sink.ts';

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
    const to = t.iceCandidates.find((c) => c.protocol === 'udp')!;
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

const rtpCapabilities = await call<RtpCapabilities>({ method: 'routerCapabilities' });
const receivers: LightReceiver[] = [];
const sinks = new Map<number, CountingSink>();

let producerId: string | undefined;
answerCpu();
process.on('message', async (m: { command?: string; count?: number; producerId?: string; port?: number }) => {
  if (m.command === 'add') {
    producerId = m.producerId;
    const batch = Array.from({ length: m.count! }, () => new LightReceiver());
    receivers.push(...batch);
    for (let i = 0; i < batch.length; i += 10) {
      await Promise.all(batch.slice(i, i + 10).map((r) => r.start(rtpCapabilities, producerId!)));
    }
    process.send!({ event: 'added', total: receivers.length });
  } else if (m.command === 'count') {
    process.send!({ event: 'count', packets: receivers.reduce((n, r) => n + r.packets, 0), receiving: receivers.filter((r) => r.packets > 0).length });
  } else if (m.command === 'clear') {
    for (const r of receivers.splice(0)) r.close();
    process.send!({ event: 'cleared' });
  } else if (m.command === 'sink') {
    const sink = await CountingSink.open();
    sinks.set(sink.port, sink);
    process.send!({ event: 'sink', port: sink.port });
  } else if (m.command === 'sinkCount') {
    const sink = sinks.get(m.port!);
    process.send!({ event: 'sinkCount', packets: sink?.packets ?? 0, bySsrc: [...(sink?.bySsrc ?? [])] });
  } else if (m.command === 'stop') {
    for (const r of receivers) r.close();
    for (const s of sinks.values()) s.close();
    process.exit(0);
  }
});
process.send!({ event: 'ready' });
