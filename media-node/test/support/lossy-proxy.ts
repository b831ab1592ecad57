// A UDP relay between one client and the engine that drops a share of the RTP in either direction
// (STUN, DTLS and RTCP pass), to prove losses are repaired.
import dgram from 'node:dgram';
import type { IceCandidate } from '../../src/engine/types.ts';

const isRtp = (data: Buffer) => data[0]! >= 128 && data[0]! <= 191 && !(data[1]! >= 192 && data[1]! <= 223);

export class LossyProxy {
  readonly #clientSide = dgram.createSocket('udp4');
  readonly #engineSide = dgram.createSocket('udp4');
  #client: { address: string; port: number } | undefined;
  dropped = 0;
  relayed = 0;

  private constructor(
    private readonly engine: IceCandidate,
    private readonly loss: { down: number; up: number },
  ) {
    this.#clientSide.on('message', (data, from) => {
      this.#client = { address: from.address, port: from.port };
      if (isRtp(data) && Math.random() < loss.up) {
        this.dropped++;
        return;
      }
      this.relayed++;
      this.#engineSide.send(data, engine.port, engine.address);
    });
    this.#engineSide.on('message', (data) => {
      if (!this.#client) return;
      if (isRtp(data) && Math.random() < loss.down) {
        this.dropped++;
        return;
      }
      this.relayed++;
      this.#clientSide.send(data, this.#client.port, this.#client.address);
    });
  }

  static async open(engine: IceCandidate, loss: { down?: number; up?: number }): Promise<LossyProxy> {
    const proxy = new LossyProxy(engine, { down: loss.down ?? 0, up: loss.up ?? 0 });
    const bind = (s: dgram.Socket) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    await Promise.all([bind(proxy.#clientSide), bind(proxy.#engineSide)]);
    return proxy;
  }

  /** The candidate to give the client instead of the engine's. */
  get candidate(): IceCandidate {
    const port = this.#clientSide.address().port;
    return { ...this.engine, address: '127.0.0.1', ip: '127.0.0.1', port };
  }

  close(): void {
    this.#clientSide.close();
    this.#engineSide.close();
  }
}

/**
 * A UDP relay between two fixed ports (the two ends of a pipe), dropping a share of the RTP from
 * the near end to the far end; RTCP (NACKs, keyframe requests) passes both ways.
 */
export class LossyRelay {
  readonly #near = dgram.createSocket('udp4');
  readonly #far = dgram.createSocket('udp4');
  dropped = 0;

  private constructor(private readonly loss: number) {}

  static async open(loss: number): Promise<LossyRelay> {
    const relay = new LossyRelay(loss);
    await Promise.all([relay.#near, relay.#far].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))));
    return relay;
  }

  /** The port the near end sends to. */
  get nearPort(): number {
    return this.#near.address().port;
  }

  /** The port the far end sends to. */
  get farPort(): number {
    return this.#far.address().port;
  }

  between(nearEnd: number, farEnd: number): void {
    this.#near.on('message', (data) => {
      if (isRtp(data) && Math.random() < this.loss) {
        this.dropped++;
        return;
      }
      this.#far.send(data, farEnd, '127.0.0.1');
    });
    this.#far.on('message', (data) => this.#near.send(data, nearEnd, '127.0.0.1'));
  }

  close(): void {
    this.#near.close();
    this.#far.close();
  }
}
