// A UDP relay between one client and the engine that drops a share of the engine's RTP on the
// way to the client (STUN, DTLS and RTCP pass), to prove losses are repaired.
import dgram from 'node:dgram';
import type { IceCandidate } from '../../src/engine/types.ts';

export class LossyProxy {
  readonly #clientSide = dgram.createSocket('udp4');
  readonly #engineSide = dgram.createSocket('udp4');
  #client: { address: string; port: number } | undefined;
  dropped = 0;
  relayed = 0;

  private constructor(
    private readonly engine: IceCandidate,
    private readonly downLoss: number,
  ) {
    this.#clientSide.on('message', (data, from) => {
      this.#client = { address: from.address, port: from.port };
      this.#engineSide.send(data, engine.port, engine.address);
    });
    this.#engineSide.on('message', (data) => {
      if (!this.#client) return;
      const isRtp = data[0]! >= 128 && data[0]! <= 191 && !(data[1]! >= 192 && data[1]! <= 223);
      if (isRtp && Math.random() < this.downLoss) {
        this.dropped++;
        return;
      }
      this.relayed++;
      this.#clientSide.send(data, this.#client.port, this.#client.address);
    });
  }

  static async open(engine: IceCandidate, downLoss: number): Promise<LossyProxy> {
    const proxy = new LossyProxy(engine, downLoss);
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
