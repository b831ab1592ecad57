import { app } from './app.ts';
import type { Env } from './env.ts';

export { RoomDO } from './rooms/room-do.ts';
export { FleetDO } from './fleet/fleet-do.ts';

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
