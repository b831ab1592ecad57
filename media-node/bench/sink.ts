// A counting UDP sink for plain, pipe and relayed streams: one socket receives for any number of
// senders and counts RTP packets per SSRC (a pipe consumer sends one SSRC per simulcast layer).
import dgram from 'node:dgram';
import { classifyDatagram } from '../src/engine/embedded/demux.ts';

/** Keyframes fanned out to hundreds of streams arrive as bursts larger than the default buffer. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export class CountingSink {
  packets = 0;
  readonly bySsrc = new Map<number, number>();

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (d) => {
      if (classifyDatagram(d) !== 'rtp') return;
      this.packets++;
      const ssrc = d.readUInt32BE(8);
      this.bySsrc.set(ssrc, (this.bySsrc.get(ssrc) ?? 0) + 1);
    });
  }

  static async open(): Promise<CountingSink> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new CountingSink(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}
