// The fleet's HTTP surface. These routes carry their own bearer credentials (a node JWT, the
// operator's admin token), not sessions, so app.ts mounts them ahead of the session middleware.
//   GET  /api/v1/fleet/connect                      media node -> FleetDO WebSocket (node JWT)
//   GET  /api/v1/admin/fleet/nodes                  list nodes (ADMIN_TOKEN)
//   POST /api/v1/admin/fleet/nodes/{node}/drain     no new rooms for that node; it keeps its rooms
//   POST /api/v1/admin/fleet/nodes/{node}/undrain
//   GET  /api/v1/admin/metrics                      operator metrics, Prometheus text format (ADMIN_TOKEN)
import { createRoute, z } from '@hono/zod-openapi';
import { ErrorBody } from '@roomcast/schema/api';
import { ApiError, notFound, unauthenticated } from '../errors.ts';
import { requireOperator } from '../platform/operator.ts';
import { MAX_ROOMS_SAMPLED, operatorMetrics, type RoomStats } from '../platform/operator-metrics.ts';
import { createRouter, jsonContent } from '../http.ts';
import { bearerOf, verifyNodeToken } from './fleet-token.ts';
import { fleetStub, GLOBAL_FLEET } from './fleet-do.ts';

export const fleetRoutes = createRouter();

fleetRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/fleet/connect',
    tags: ['fleet'],
    summary: 'Media node socket to FleetDO (protocol: @roomcast/schema/protocol fleet.ts)',
    responses: {
      101: { description: 'Switching to the WebSocket protocol' },
      401: jsonContent(ErrorBody, 'Missing or invalid node credential'),
      426: jsonContent(ErrorBody, 'Not a WebSocket upgrade'),
    },
  }),
  async (c) => {
    const token = bearerOf(c.req.raw);
    if (!token) throw unauthenticated('Send the node credential as "Authorization: Bearer <token>"');
    try {
      await verifyNodeToken(c.var.config.fleet.secret, token);
    } catch {
      throw new ApiError(401, 'invalid_node_token', 'The node credential is invalid or expired');
    }
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new ApiError(426, 'upgrade_required', 'Connect with a WebSocket upgrade');
    const stub = c.env.FLEET.get(c.env.FLEET.idFromName(GLOBAL_FLEET));
    return stub.fetch(c.req.raw) as unknown as Response;
  },
);

const NodeView = z.object({
  nodeId: z.string(),
  region: z.string(),
  announcedAddress: z.string(),
  engine: z.string(),
  workers: z.number().int(),
  capacity: z.object({ maxConsumers: z.number().int(), maxRouters: z.number().int() }),
  load: z
    .object({
      routers: z.number(),
      transports: z.number(),
      producers: z.number(),
      consumers: z.number(),
      cpu: z.number(),
      bitrateKbps: z.number(),
      state: z.enum(['serving', 'draining']),
    })
    .nullable(),
  drained: z.boolean(),
  connected: z.boolean(),
  healthy: z.boolean(),
  lastSeen: z.string(),
  rooms: z.number().int(),
});

const adminErrors = {
  401: jsonContent(ErrorBody, 'Missing or wrong operator token'),
  503: jsonContent(ErrorBody, 'No ADMIN_TOKEN is configured'),
};

fleetRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/fleet/nodes',
    tags: ['admin'],
    summary: 'Media nodes known to the fleet, with load and health',
    responses: { 200: jsonContent(z.object({ nodes: z.array(NodeView) }), 'The nodes'), ...adminErrors },
  }),
  async (c) => {
    await requireOperator(c.var.config.fleet.adminToken, c.req.raw);
    return c.json({ nodes: await fleetStub(c.env).listNodes() }, 200);
  },
);

for (const action of ['drain', 'undrain'] as const) {
  fleetRoutes.openapi(
    createRoute({
      method: 'post',
      path: `/admin/fleet/nodes/{node}/${action}`,
      tags: ['admin'],
      summary: action === 'drain' ? 'Drain a node: it keeps its rooms and gets no new ones' : 'Undo a drain',
      request: { params: z.object({ node: z.string() }) },
      responses: { 200: jsonContent(z.object({ node: NodeView }), 'The node after the change'), 404: jsonContent(ErrorBody, 'No such node'), ...adminErrors },
    }),
    async (c) => {
      await requireOperator(c.var.config.fleet.adminToken, c.req.raw);
      const node = await fleetStub(c.env).setDrained(c.req.valid('param').node, action === 'drain');
      if (!node) throw notFound('Node');
      return c.json({ node }, 200);
    },
  );
}

fleetRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/admin/metrics',
    tags: ['admin'],
    summary: 'Operator metrics in the Prometheus text format: live rooms, participants, viewers, the fleet (bounded labels, no tenant or room ids)',
    responses: {
      200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: z.string() } } },
      ...adminErrors,
    },
  }),
  async (c) => {
    await requireOperator(c.var.config.fleet.adminToken, c.req.raw);
    const fleet = fleetStub(c.env);
    const [nodes, live] = await Promise.all([fleet.listNodes(), fleet.liveRooms(MAX_ROOMS_SAMPLED)]);
    // Each live room's RoomDO counts its own participants; one that does not answer is left out.
    const roomStats = await Promise.all(
      live.rooms.map(async ({ roomId }) => {
        const stub = c.env.ROOM.get(c.env.ROOM.idFromName(roomId)) as unknown as { operatorStats(): Promise<RoomStats> };
        return stub.operatorStats().catch(() => undefined);
      }),
    );
    const text = operatorMetrics({ nodes, live, roomStats, now: Date.now() });
    return c.text(text, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
  },
);
