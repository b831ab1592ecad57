// The bench's raw baseline: the least a Node process can do to forward one SRTP stream to N
// receivers. It decrypts each packet once (werift's SrtpSession), parses it once, and for each
// receiver sets its SSRC, encrypts with that receiver's own SrtpSender (the engine's hot path, same
// profile as browsers negotiate: AEAD_AES_128_GCM) and sends it to a counting sink. No layer
// choice, no sequence rewriting, no NACK buffer, no RTCP: what the engine costs above this is the
// price of being an SFU in TypeScript.
import { randomBytes, randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { RtpPacket, SrtpSession } from 'werift';
import { classifyDatagram } from '../src/engine/embedded/demux.ts';
import { PROFILE_AEAD_AES_128_GCM, SrtpSender } from '../src/engine/embedded/srtp-sender.ts';
import { answerCpu } from './child-rpc.ts';

const KEY = 16;
const SALT = 12;

interface Receiver {
  ssrc: number;
  sender: SrtpSender;
}

const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
const receivers: Receiver[] = [];
let sinkPort = 0;
let srtp: SrtpSession | undefined;
let received = 0;
let forwarded = 0;

socket.on('message', (data) => {
  if (!srtp || classifyDatagram(data) !== 'rtp') return;
  const packet = RtpPacket.deSerialize(srtp.decrypt(data));
  received++;
  const header = packet.header;
  for (const r of receivers) {
    header.ssrc = r.ssrc;
    socket.send(r.sender.protect(header, packet.payload), sinkPort, '127.0.0.1');
    forwarded++;
  }
});
socket.on('error', () => {});

answerCpu();
process.on('message', (m: { command?: string; keyBase64?: string; sinkPort?: number; count?: number }) => {
  if (m.command === 'open') {
    // The engine's plain transport encrypts with its key; ours is only what its connect() needs.
    const remote = Buffer.from(m.keyBase64!, 'base64');
    const local = randomBytes(KEY + SALT);
    srtp = new SrtpSession({
      profile: PROFILE_AEAD_AES_128_GCM,
      keys: {
        localMasterKey: local.subarray(0, KEY),
        localMasterSalt: local.subarray(KEY),
        remoteMasterKey: remote.subarray(0, KEY),
        remoteMasterSalt: remote.subarray(KEY),
      },
    });
    sinkPort = m.sinkPort!;
    process.send!({ event: 'opened', port: socket.address().port, keyBase64: local.toString('base64') });
  } else if (m.command === 'receivers') {
    while (receivers.length < m.count!) {
      const key = randomBytes(KEY + SALT);
      receivers.push({ ssrc: randomInt(1, 0xffffffff), sender: new SrtpSender(PROFILE_AEAD_AES_128_GCM, key.subarray(0, KEY), key.subarray(KEY)) });
    }
    receivers.length = Math.min(receivers.length, m.count!);
    process.send!({ event: 'receivers', total: receivers.length });
  } else if (m.command === 'count') {
    process.send!({ event: 'count', received, forwarded });
  } else if (m.command === 'stop') {
    socket.close();
    process.exit(0);
  }
});
process.send!({ event: 'ready' });
