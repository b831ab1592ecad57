// The RTP path from an RTMP encoder's ffmpeg to the room's plain transport on the origin node.
// ffmpeg sends to the relay's local port; the relay sends on from one socket that lives as long
// as the ingest does. That keeps what the origin's comedia transport locked onto (our address and
// port) the same across a republish, and lets the relay splice the new ffmpeg's stream onto the
// old one: sequence numbers and timestamps continue where the last packet left them, so the
// producers and every consumer see one continuous stream (no reset, no huge jump). RTCP from
// ffmpeg is dropped: the origin makes its own reports, and SRs with ffmpeg's clock would lie
// after a splice.
import dgram from 'node:dgram';

interface StreamState {
  clockRate: number;
  /** A new ffmpeg started: the next packet sets the offsets. */
  fresh: boolean;
  seqOffset: number;
  tsOffset: number;
  lastSeq: number | undefined;
  lastTs: number;
  lastWall: number;
}

export interface RelayTarget {
  ip: string;
  port: number;
}

export class RtpRelay {
  readonly #streams = new Map<number, StreamState>();
  #closed = false;
  packets = 0;

  private constructor(
    private readonly input: dgram.Socket,
    private readonly output: dgram.Socket,
    readonly target: RelayTarget,
  ) {
    input.on('message', (msg) => this.#onPacket(msg));
    input.on('error', () => {});
    output.on('error', () => {});
    // What the origin sends back (receiver reports, PLIs) has nowhere to go: an RTMP encoder takes no feedback.
    output.on('message', () => {});
  }

  static async open(target: RelayTarget, bindIp: string, streams: { ssrc: number; clockRate: number }[]): Promise<RtpRelay> {
    const input = dgram.createSocket('udp4');
    const output = dgram.createSocket('udp4');
    await new Promise<void>((r) => input.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => output.bind(0, bindIp, () => r()));
    const relay = new RtpRelay(input, output, target);
    for (const s of streams) relay.#streams.set(s.ssrc, { clockRate: s.clockRate, fresh: true, seqOffset: 0, tsOffset: 0, lastSeq: undefined, lastTs: 0, lastWall: 0 });
    return relay;
  }

  /** Where ffmpeg sends its RTP (and RTCP, dropped here). */
  get port(): number {
    return this.input.address().port;
  }

  /** A new ffmpeg takes over: its first packet of each stream continues the old numbering. */
  newSegment(): void {
    for (const s of this.#streams.values()) s.fresh = true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.input.close();
    this.output.close();
  }

  #onPacket(msg: Buffer): void {
    if (this.#closed || msg.length < 12 || msg[0]! >> 6 !== 2) return;
    const pt = msg[1]!;
    if (pt >= 200 && pt <= 207) return; // RTCP
    const ssrc = msg.readUInt32BE(8);
    const s = this.#streams.get(ssrc);
    if (!s) return;
    const now = Date.now();
    const seq = msg.readUInt16BE(2);
    const ts = msg.readUInt32BE(4);
    if (s.fresh) {
      s.fresh = false;
      if (s.lastSeq !== undefined) {
        s.seqOffset = (s.lastSeq + 1 - seq) & 0xffff;
        s.tsOffset = (s.lastTs + Math.round(((now - s.lastWall) * s.clockRate) / 1000) - ts) >>> 0;
      }
    }
    const outSeq = (seq + s.seqOffset) & 0xffff;
    const outTs = (ts + s.tsOffset) >>> 0;
    msg.writeUInt16BE(outSeq, 2);
    msg.writeUInt32BE(outTs, 4);
    if (s.lastSeq === undefined || ((outSeq - s.lastSeq) & 0xffff) < 0x8000) {
      s.lastSeq = outSeq;
      s.lastTs = outTs;
      s.lastWall = now;
    }
    this.packets++;
    this.output.send(msg, this.target.port, this.target.ip);
  }
}
