// @roomcast/server: the Roomcast server SDK.
export { Roomcast, type RoomcastOptions, type RoomInfo, type RoomToken, type RoomSessionInfo, type WorkspaceInfo, type CreateRoom, type UpdateRoom, type TokenRequest, type Usage } from './client.ts';
export { RoomcastApiError, WebhookVerificationError } from './errors.ts';
export { ROUTES } from './routes.ts';
export { verifyWebhook, type VerifyOptions, type WebhookEvent, type WebhookEventType } from './webhooks.ts';
