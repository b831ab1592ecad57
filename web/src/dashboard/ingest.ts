import { action, query } from '@solidjs/router';
import { createIngestKey, loadIngest, revokeIngestKey } from './ingest.server';

export const getIngest = query(loadIngest, 'room-ingest');
export const createIngestKeyAction = action(createIngestKey, 'ingest-key-create');
export const revokeIngestKeyAction = action(revokeIngestKey, 'ingest-key-revoke');
