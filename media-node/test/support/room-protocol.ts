// Playing the RoomDO against a real node: requests over the room socket, and routers whose
// transports are made over that socket, so bots publish and watch as the room's participants
// (the node picks routers, owners and ceilings exactly as for the product).
import type { Router } from '../../src/engine/types.ts';
import type { Conn } from './ws-stand-ins.ts';

let seq = 0;

/** A request to the node; resolves with the whole response frame. */
export async function ask(room: Conn, method: string, data: unknown): Promise<any> {
  const id = `rq${++seq}`;
  room.send({ type: 'request', id, method, data });
  return room.next((m) => m.type === 'response' && m.id === id);
}

/** A request that must succeed; resolves with its data. */
export async function ok(room: Conn, method: string, data: unknown): Promise<any> {
  const answer = await ask(room, method, data);
  if (!answer.ok) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
  return answer.data;
}

/** A router for a PublisherBot whose send transport and producers the node makes for `identity`. */
export function publishingVia(room: Conn, router: Router, identity: string): Router {
  return {
    rtpCapabilities: router.rtpCapabilities,
    async createWebRtcTransport() {
      const info = await ok(room, 'transport.create', { direction: 'send', owner: identity });
      return {
        ...info,
        connect: ({ dtlsParameters }: { dtlsParameters: unknown }) => ok(room, 'transport.connect', { transportId: info.id, dtlsParameters }),
        produce: async ({ kind, rtpParameters }: { kind: string; rtpParameters: unknown }) => {
          const { id } = await ok(room, 'transport.produce', { transportId: info.id, kind, rtpParameters, identity, source: 'camera' });
          return { id, kind, close: () => void ask(room, 'producer.close', { producerId: id }) };
        },
        close: () => void ask(room, 'transport.close', { transportId: info.id }),
      };
    },
  } as unknown as Router;
}

/** A router for a ConsumerBot whose receive transport and consumers the node makes for `identity`. */
export function watchingVia(room: Conn, router: Router, identity: string): Router {
  return {
    rtpCapabilities: router.rtpCapabilities,
    async createWebRtcTransport() {
      const info = await ok(room, 'transport.create', { direction: 'recv', owner: identity });
      return {
        ...info,
        connect: ({ dtlsParameters }: { dtlsParameters: unknown }) => ok(room, 'transport.connect', { transportId: info.id, dtlsParameters }),
        consume: async ({ producerId, rtpCapabilities }: { producerId: string; rtpCapabilities: unknown }) => {
          const consumed = await ok(room, 'transport.consume', { transportId: info.id, producerId, rtpCapabilities });
          return {
            ...consumed,
            on: () => {},
            resume: () => ok(room, 'consumer.resume', { consumerId: consumed.id }),
            close: () => void ask(room, 'consumer.close', { consumerId: consumed.id }),
          };
        },
        close: () => void ask(room, 'transport.close', { transportId: info.id }),
      };
    },
  } as unknown as Router;
}
