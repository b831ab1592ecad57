// The fan-out shards' own Worker: RoomShardDO alone, so its isolate holds only what a shard needs.
export { RoomShardDO } from './room-shard-do.ts';

export default {
  fetch: () => Response.json({ error: { code: 'not_found', message: 'Not found' } }, { status: 404 }),
};
