// The Worker's HTTP surface: /health, and /api/v1 with one sub-app per resource.
import { emailVerificationRoutes } from './accounts/email-verification.ts';
import { passwordResetRoutes } from './accounts/password-reset.ts';
import { sessionRoutes } from './accounts/session-routes.ts';
import { emailChangeRoutes } from './accounts/email-change.ts';
import { ssoConnectionRoutes } from './sso/connection-routes.ts';
import { ssoSignInRoutes } from './sso/sign-in-routes.ts';
import { organizationSecurityRoutes, twoFactorRoutes } from './two-factor/routes.ts';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { createMiddleware } from 'hono/factory';
import { apiKeyRoutes } from './api-keys/api-key-routes.ts';
import { resolvePrincipal } from './auth/principal.ts';
import { organizationBillingRoutes, subscriptionRoutes } from './billing/billing-routes.ts';
import { webhookRoutes } from './billing/webhook-routes.ts';
import { authRoutes } from './auth/routes.ts';
import { loadConfig } from './config.ts';
import { Database } from './db/database.ts';
import { ApiError } from './errors.ts';
import { destinationRoutes } from './egress/destination-routes.ts';
import { hlsRoutes } from './egress/hls-routes.ts';
import { multistreamRoutes } from './egress/multistream-routes.ts';
import { hlsServing } from './egress/hls-serving.ts';
import { fleetRoutes } from './fleet/fleet-routes.ts';
import { ingestRoutes } from './ingest/ingest-routes.ts';
import { documentWhip } from './ingest/whip-openapi.ts';
import { whipRoutes } from './ingest/whip-routes.ts';
import { createRouter, type AppEnv } from './http.ts';
import { limitRoutes } from './plans/limit-routes.ts';
import { limitPrincipalRate } from './platform/api-rate-limit.ts';
import { apiReferenceRoutes } from './platform/api-reference.ts';
import { limitRequestBody } from './platform/body-limit.ts';
import { refuseDeployedDevelopment } from './platform/deploy-guard.ts';
import { health } from './platform/health.ts';
import { createRedis } from './platform/redis.ts';
import { mediaNodeRoutes } from './rooms/media/media-node-route.ts';
import { publicRoomRoutes } from './rooms/public-room-routes.ts';
import { fileRoutes } from './storage/file-routes.ts';
import { roomFileRoutes } from './storage/room-file-routes.ts';
import { localRecordingRoutes } from './recordings/local-recording-routes.ts';
import { publicRecordingRoutes } from './recordings/public-recording-routes.ts';
import { recordingRoutes } from './recordings/recording-routes.ts';
import { signalRoutes } from './rooms/realtime/signal-route.ts';
import { roomRoutes } from './rooms/room-routes.ts';
import { brandKitRoutes } from './rooms/studio/brand-kit-routes.ts';
import { guestInviteRoutes, guestJoinRoutes } from './rooms/studio/guest-routes.ts';
import { invitationAcceptRoutes, memberRoutes } from './tenancy/member-routes.ts';
import { organizationRoutes } from './tenancy/organization-routes.ts';
import { workspaceRoutes } from './tenancy/workspace-routes.ts';
import { webhookDeliveryRoutes } from './webhooks/delivery-routes.ts';
import { webhookEndpointRoutes } from './webhooks/endpoint-routes.ts';
import { documentWebhookEvents } from './webhooks/openapi-events.ts';

const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const config = loadConfig(c.env);
  const db = new Database(config);
  c.set('config', config);
  c.set('db', db);
  c.set('redis', createRedis(config));
  c.set('principal', null);
  try {
    await next();
  } finally {
    c.executionCtx.waitUntil(db.close());
  }
});

const api = createRouter();
api.use('*', resolvePrincipal);
api.use('*', limitPrincipalRate);
api.route('/auth', authRoutes);
api.route('/auth', emailVerificationRoutes);
api.route('/auth', passwordResetRoutes);
api.route('/auth', sessionRoutes);
api.route('/auth', emailChangeRoutes);
api.route('/auth', ssoSignInRoutes);
api.route('/auth', twoFactorRoutes);
api.route('/organizations', organizationRoutes);
api.route('/organizations', workspaceRoutes);
api.route('/organizations', memberRoutes);
api.route('/organizations', roomRoutes);
api.route('/organizations', ingestRoutes);
api.route('/rooms', signalRoutes);
api.route('/rooms', roomFileRoutes);
api.route('/public', publicRoomRoutes);
api.route('/public', publicRecordingRoutes);
api.route('/organizations', guestInviteRoutes);
api.route('/organizations', brandKitRoutes);
api.route('/public', guestJoinRoutes);
api.route('/organizations', apiKeyRoutes);
api.route('/invitations', invitationAcceptRoutes);
api.route('/subscriptions', subscriptionRoutes);
api.route('/organizations', organizationBillingRoutes);
api.route('/organizations', limitRoutes);
api.route('/webhooks', webhookRoutes);
api.route('/organizations', webhookEndpointRoutes);
api.route('/organizations', webhookDeliveryRoutes);
api.route('/organizations', fileRoutes);
api.route('/organizations', recordingRoutes);
api.route('/organizations', localRecordingRoutes);
api.route('/organizations', hlsRoutes);
api.route('/organizations', destinationRoutes);
api.route('/organizations', multistreamRoutes);
api.route('/organizations', ssoConnectionRoutes);
api.route('/organizations', organizationSecurityRoutes);
documentWebhookEvents(api.openAPIRegistry);
documentWhip(api.openAPIRegistry);

api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
  type: 'http',
  scheme: 'bearer',
  description: 'A session token (`id|secret`) or an API key (`rck_...`)',
});
api.openAPIRegistry.registerComponent('securitySchemes', 'cookie', { type: 'apiKey', in: 'cookie', name: 'rc_session' });
api.doc31('/openapi.json', {
  openapi: '3.1.0',
  info: {
    title: 'Roomcast API',
    version: '1.0.0',
    description: 'Errors always have the shape {"error": {"code", "message", "details"}}.',
  },
  servers: [{ url: '/api/v1' }],
});

export const app = new OpenAPIHono<AppEnv>();
app.use('*', requestContext);
app.use('*', refuseDeployedDevelopment);
app.use('/api/v1/*', limitRequestBody);
app.get('/health', health);
// Node and operator credentials, not sessions: mounted ahead of `api` and its session middleware.
app.route('/api/v1', fleetRoutes);
app.route('/api/v1/rooms', mediaNodeRoutes);
// WHIP: the stream key is the credential (no session, no cookie), checked by the routes themselves.
app.route('/api/v1/ingest', whipRoutes);
// HLS for players: public rooms' to anyone, others' with a play token in the path (no session).
app.route('/hls', hlsServing);
// The API reference page (public, like the OpenAPI document it renders).
app.route('/api/v1', apiReferenceRoutes);
app.route('/api/v1', api);

app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${new URL(c.req.url).pathname}` } }, 404));

app.onError((error, c) => {
  if (error instanceof ApiError) {
    if (error.status === 429) c.header('Retry-After', String(retryAfterSeconds(error.details)));
    return c.json({ error: { code: error.code, message: error.message, details: error.details } }, error.status);
  }
  if (error instanceof HTTPException) {
    // hono raises these for malformed JSON bodies and similar request-level problems.
    const code = error.status === 400 ? 'invalid_json' : error.status === 415 ? 'unsupported_media_type' : 'http_error';
    return c.json({ error: { code, message: error.message || 'Bad request' } }, error.status);
  }
  console.error('unhandled error', error);
  return c.json({ error: { code: 'internal', message: 'Something went wrong on our side' } }, 500);
});

const retryAfterSeconds = (details: unknown) => {
  const seconds = (details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? Math.ceil(seconds) : 60;
};

export type AppType = typeof api;
