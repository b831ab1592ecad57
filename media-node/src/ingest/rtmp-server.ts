// A small RTMP server: exactly what publishing encoders (OBS, vMix, ffmpeg, hardware) send. The
// plain handshake (C0/C1/C2; the digest variant is only checked by players, never by publishers),
// the chunk stream (chunk-stream.ts), and the AMF0 commands of a publish: connect,
// releaseStream, FCPublish, createStream, publish, FCUnpublish, deleteStream. Playing is refused.
// Each publish is handed to `onPublish` (the stream key is the stream name) before the encoder
// hears NetStream.Publish.Start; a refusal answers NetStream.Publish.BadName and closes.
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { decodeAmf0, encodeAmf0, type Amf0Value } from './amf0.ts';
import { ChunkReader, encodeMessage, MESSAGE_TYPES, type RtmpMessage } from './chunk-stream.ts';

const HANDSHAKE_BYTES = 1536;
const OUT_CHUNK_SIZE = 4096;
const WINDOW_ACK_SIZE = 2_500_000;
const STREAM_ID = 1;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 30_000;

export type PublishDecision = { ok: true } | { ok: false; code: string; description: string };

export interface RtmpLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/** One encoder's connection: 'media' (tag type, timestamp, data) after the publish was accepted, then 'close' once. */
export class RtmpConnection extends EventEmitter<{ media: [number, number, Buffer]; close: [string] }> {
  readonly id: string;
  app = '';
  streamName = '';
  publishing = false;
  #closed = false;
  #phase: 'c0c1' | 'c2' | 'chunks' = 'c0c1';
  #pending: Buffer = Buffer.alloc(0);
  readonly #reader = new ChunkReader();
  #received = 0;
  #ackedAt = 0;
  #peerWindow = 0;

  constructor(
    private readonly socket: net.Socket,
    private readonly onPublish: (conn: RtmpConnection) => Promise<PublishDecision>,
    private readonly log: RtmpLogger,
  ) {
    super();
    this.id = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => this.close('timed out'));
    socket.on('data', (d) => this.#onData(d));
    socket.on('error', (e) => this.close(`socket error: ${e.message}`));
    socket.on('close', () => this.close('encoder disconnected'));
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the connection (idempotent); 'close' says why. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.publishing = false;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.emit('close', reason);
  }

  #onData(data: Buffer): void {
    if (this.#closed) return;
    this.#received += data.length;
    try {
      if (this.#phase !== 'chunks') return this.#handshake(data);
      for (const m of this.#reader.push(data)) this.#onMessage(m);
      this.#acknowledge();
    } catch (error) {
      this.log.warn('rtmp: malformed stream from the encoder', { connection: this.id, error: String(error) });
      this.close(`malformed stream: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #handshake(data: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, data]);
    if (this.#phase === 'c0c1') {
      if (this.#pending.length < 1 + HANDSHAKE_BYTES) return;
      if (this.#pending[0] !== 3) throw new Error(`RTMP version ${this.#pending[0]} (only 3 is spoken)`);
      const c1 = this.#pending.subarray(1, 1 + HANDSHAKE_BYTES);
      const s1 = Buffer.alloc(HANDSHAKE_BYTES);
      s1.writeUInt32BE(0, 0);
      // Version bytes zero: clients take the plain handshake (no digest to check).
      for (let i = 8; i < HANDSHAKE_BYTES; i++) s1[i] = (Math.random() * 256) | 0;
      const s2 = Buffer.from(c1);
      this.socket.write(Buffer.concat([Buffer.from([3]), s1, s2]));
      this.#pending = this.#pending.subarray(1 + HANDSHAKE_BYTES);
      this.#phase = 'c2';
    }
    if (this.#phase === 'c2') {
      if (this.#pending.length < HANDSHAKE_BYTES) return;
      const rest = this.#pending.subarray(HANDSHAKE_BYTES);
      this.#pending = Buffer.alloc(0);
      this.#phase = 'chunks';
      this.socket.setTimeout(IDLE_TIMEOUT_MS, () => this.close('no data from the encoder'));
      if (rest.length > 0) for (const m of this.#reader.push(rest)) this.#onMessage(m);
    }
  }

  #acknowledge(): void {
    if (this.#peerWindow > 0 && this.#received - this.#ackedAt >= this.#peerWindow) {
      this.#ackedAt = this.#received;
      const p = Buffer.alloc(4);
      p.writeUInt32BE(this.#received >>> 0);
      this.#send(2, MESSAGE_TYPES.acknowledgement, 0, p);
    }
  }

  #onMessage(m: RtmpMessage): void {
    switch (m.typeId) {
      case MESSAGE_TYPES.windowAckSize:
        if (m.payload.length >= 4) this.#peerWindow = m.payload.readUInt32BE(0);
        return;
      case MESSAGE_TYPES.commandAmf0:
        return this.#onCommand(decodeAmf0(m.payload), m.streamId);
      case MESSAGE_TYPES.commandAmf3:
        // AMF3 commands carry a 0 byte, then AMF0 values.
        return this.#onCommand(decodeAmf0(m.payload.subarray(1)), m.streamId);
      case MESSAGE_TYPES.audio:
      case MESSAGE_TYPES.video:
      case MESSAGE_TYPES.dataAmf0:
        if (this.publishing) this.emit('media', m.typeId, m.timestamp, m.payload);
        return;
      default:
        return;
    }
  }

  #onCommand(values: Amf0Value[], streamId: number): void {
    const [name, txid] = values;
    const tx = typeof txid === 'number' ? txid : 0;
    switch (name) {
      case 'connect': {
        const cmd = (values[2] ?? {}) as Record<string, Amf0Value>;
        this.app = typeof cmd.app === 'string' ? cmd.app.replace(/\/$/, '') : '';
        this.#control(MESSAGE_TYPES.windowAckSize, u32(WINDOW_ACK_SIZE));
        this.#control(MESSAGE_TYPES.setPeerBandwidth, Buffer.concat([u32(WINDOW_ACK_SIZE), Buffer.from([2])]));
        this.#control(MESSAGE_TYPES.setChunkSize, u32(OUT_CHUNK_SIZE));
        this.#chunkSize = OUT_CHUNK_SIZE;
        this.#command(0, '_result', tx, { fmsVer: 'FMS/3,0,1,123', capabilities: 31 }, {
          level: 'status',
          code: 'NetConnection.Connect.Success',
          description: 'Connection succeeded.',
          objectEncoding: 0,
        });
        return;
      }
      case 'releaseStream':
      case 'FCPublish':
      case 'FCUnpublish':
        if (tx > 0) this.#command(0, '_result', tx, null, undefined);
        return;
      case 'createStream':
        this.#command(0, '_result', tx, null, STREAM_ID);
        return;
      case 'publish': {
        if (this.publishing || this.streamName) return;
        const raw = typeof values[3] === 'string' ? values[3] : '';
        this.streamName = raw.split('?')[0] ?? '';
        void this.onPublish(this).then(
          (decision) => this.#answerPublish(decision, streamId || STREAM_ID),
          (error: unknown) => this.#answerPublish({ ok: false, code: 'NetStream.Publish.Failed', description: String(error) }, streamId || STREAM_ID),
        );
        return;
      }
      case 'play':
        this.#status(streamId || STREAM_ID, 'error', 'NetStream.Play.Failed', 'This server only takes publishers');
        return this.close('play refused');
      case 'deleteStream':
      case 'closeStream':
        return this.close('the encoder stopped publishing');
      default:
        return;
    }
  }

  #answerPublish(decision: PublishDecision, streamId: number): void {
    if (this.#closed) return;
    if (!decision.ok) {
      this.#status(streamId, 'error', decision.code, decision.description);
      // The refusal is written before the close (end() flushes).
      return this.close(`publish refused: ${decision.description}`);
    }
    const begin = Buffer.alloc(6);
    begin.writeUInt16BE(0, 0); // StreamBegin
    begin.writeUInt32BE(streamId, 2);
    this.#send(2, MESSAGE_TYPES.userControl, 0, begin);
    this.publishing = true;
    this.#status(streamId, 'status', 'NetStream.Publish.Start', `${this.streamName.slice(0, 12)}... is now published`);
  }

  #status(streamId: number, level: 'status' | 'error', code: string, description: string): void {
    this.#send(5, MESSAGE_TYPES.commandAmf0, streamId, encodeAmf0('onStatus', 0, null, { level, code, description }));
  }

  #chunkSize = 128;

  #control(typeId: number, payload: Buffer): void {
    this.#send(2, typeId, 0, payload);
  }

  #command(streamId: number, ...values: Amf0Value[]): void {
    this.#send(3, MESSAGE_TYPES.commandAmf0, streamId, encodeAmf0(...values));
  }

  #send(chunkStreamId: number, typeId: number, streamId: number, payload: Buffer): void {
    if (this.socket.destroyed) return;
    this.socket.write(encodeMessage({ chunkStreamId, typeId, streamId, timestamp: 0, payload }, this.#chunkSize));
  }
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

export interface RtmpServer {
  port: number;
  close(): Promise<void>;
}

/** Listens for encoders; `onConnection` wires each one (the ingest decides what a publish means). */
export async function startRtmpServer(options: {
  host: string;
  port: number;
  maxConnections: number;
  log: RtmpLogger;
  onPublish: (conn: RtmpConnection) => Promise<PublishDecision>;
  onConnection?: (conn: RtmpConnection) => void;
}): Promise<RtmpServer> {
  const server = net.createServer((socket) => {
    const conn = new RtmpConnection(socket, options.onPublish, options.log);
    options.onConnection?.(conn);
  });
  server.maxConnections = options.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
