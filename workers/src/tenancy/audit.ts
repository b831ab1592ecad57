import { auditLog } from '@roomcast/schema/db';
import type { Tx } from '../db/database.ts';
import type { OrganizationAccess } from './access.ts';

/** Appends who did what to the organization's audit log, in the same transaction as the change. */
export async function audit(
  tx: Tx,
  access: OrganizationAccess,
  action: string,
  target: { type: string; id: string },
  data?: Record<string, unknown>,
) {
  await tx.insert(auditLog).values({
    organizationId: access.organizationId,
    actorUserId: access.userId,
    actorApiKeyId: access.principal.kind === 'api_key' ? access.principal.apiKeyId : null,
    action,
    targetType: target.type,
    targetId: target.id,
    data: data ?? null,
  });
}
