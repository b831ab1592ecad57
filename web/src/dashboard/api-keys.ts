import { action, query } from '@solidjs/router';
import { createApiKey, loadApiKeys, revokeApiKey } from './api-keys.server';

export const getApiKeys = query(loadApiKeys, 'api-keys');
export const createApiKeyAction = action(createApiKey, 'api-key-create');
export const revokeApiKeyAction = action(revokeApiKey, 'api-key-revoke');
