// What crosses between RoomDO and its fan-out shards (RoomShardDO). Both ends are this Worker's own
// Durable Objects, reached only through bindings, so these calls are not an untrusted boundary:
// client frames are still decoded and validated by the room (client-messages.ts), and the shard
// decodes them first only to answer pings and bad frames itself.
import type { RoomRole } from '@roomcast/schema';

/**
 * RoomDO -> shard, applied in order. `send` carries one serialized frame for many sockets ('all':
 * every joined socket of the shard), so a room event costs the room one call per shard.
 */
export type ShardOp =
  | { op: 'send'; frame: string; to: string[] | 'all' }
  | { op: 'joined'; socket: string; identity: string; role: RoomRole }
  | { op: 'close'; socket: string; code: number; reason: string };

/** The headers the Worker sets when it hands an upgrade to a shard (never taken from the client). */
export const SHARD_HEADER = 'x-roomcast-shard';
export const ROLE_HEADER = 'x-roomcast-role';

/** A shard's Durable Object name: one namespace entry per (room, index). */
export const shardName = (roomId: string, index: number) => `${roomId}/shard/${index}`;

/**
 * Where a new viewer's socket goes once the room holds its own share: the first shard with room
 * left, else a new one. `counts[i]` is what the room knows of shard i (sockets that said hello).
 */
export function pickShard(counts: readonly number[], perShard: number): number {
  const open = counts.findIndex((n) => n < perShard);
  return open === -1 ? counts.length : open;
}
