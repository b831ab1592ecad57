// A pipe transport: plain RTP (optionally SRTP) between two routers, in this process or on two
// nodes, one UDP port each side, no comedia (each side is told the other's tuple). What it
// consumes goes out as pipe consumers (every layer, see pipe-consumer.ts); what it produces
// arrives from the other side's pipe consumers.
import { EngineError, unsupported } from '../errors.ts';
import type { ConsumerOptions, PipeTransport, PipeTransportOptions, SrtpParameters, TransportStat } from '../types.ts';
import { EmbeddedPipeConsumer } from './pipe-consumer.ts';
import { EmbeddedPlainTransport, bindInRange, plainListen } from './plain-transport.ts';
import type { EmbeddedProducer } from './producer.ts';
import type { RouterContext } from './router.ts';
import type { TransportConsumer } from './rtp-transport.ts';

export class EmbeddedPipeTransport extends EmbeddedPlainTransport implements PipeTransport {
  protected override readonly acceptsProducerIds = true;

  static async createPipe(ctx: RouterContext, options: PipeTransportOptions): Promise<EmbeddedPipeTransport> {
    if (options.enableRtx) throw unsupported('RTX on a pipe transport (NACKs are answered by resending the packet)', 'embedded');
    const listen = plainListen(options);
    const socket = await bindInRange(listen.ip, listen.port, ctx.rtcPortRange);
    return new EmbeddedPipeTransport(ctx, listen, socket, undefined, { comedia: false, enableSrtp: options.enableSrtp ?? false, appData: options.appData ?? {} });
  }

  override async connect(options: { ip: string; port: number; srtpParameters?: SrtpParameters }): Promise<void> {
    if (options === null || typeof options !== 'object') throw new EngineError('invalid_parameters', 'connect() needs ip and port');
    await super.connect({ ip: options.ip, port: options.port, ...(options.srtpParameters ? { srtpParameters: options.srtpParameters } : {}) });
  }

  override async getStats(): Promise<TransportStat[]> {
    const [stat] = await super.getStats();
    return [{ ...stat!, type: 'pipe-transport' }];
  }

  protected override createConsumer(producer: EmbeddedProducer, options: ConsumerOptions, onClosed: (c: TransportConsumer) => void): TransportConsumer {
    return new EmbeddedPipeConsumer(producer, this, options.appData ?? {}, onClosed);
  }
}
