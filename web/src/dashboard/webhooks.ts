import { action, query } from '@solidjs/router';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  loadWebhookDeliveries,
  loadWebhookEndpoints,
  redeliverWebhookEvent,
  rotateWebhookSecret,
  sendWebhookTest,
  setWebhookEndpointEnabled,
} from './webhooks.server';

export const getWebhookEndpoints = query(loadWebhookEndpoints, 'webhook-endpoints');
export const getWebhookDeliveries = query(loadWebhookDeliveries, 'webhook-deliveries');
export const createWebhookEndpointAction = action(createWebhookEndpoint, 'webhook-create');
export const setWebhookEndpointEnabledAction = action(setWebhookEndpointEnabled, 'webhook-enable');
export const rotateWebhookSecretAction = action(rotateWebhookSecret, 'webhook-rotate');
export const deleteWebhookEndpointAction = action(deleteWebhookEndpoint, 'webhook-delete');
export const sendWebhookTestAction = action(sendWebhookTest, 'webhook-test');
export const redeliverWebhookEventAction = action(redeliverWebhookEvent, 'webhook-redeliver');
