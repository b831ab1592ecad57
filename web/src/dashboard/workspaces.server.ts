'use server';
// Workspaces of an organization through the API: list, create, rename, delete.
import { CreateWorkspaceInput, UpdateWorkspaceInput } from '@roomcast/schema/api';
import { api, apiPath } from '~/server/api';
import { WorkspaceList, WorkspaceResponse } from '~/server/api-responses';
import type { Workspace } from '~/server/api';
import { failure, field, parseForm } from '~/server/forms';
import { requireOrganization } from './organization.server';

export async function loadWorkspaces(slug: string): Promise<Workspace[]> {
  const { organization } = await requireOrganization(slug);
  return (await api.get(`/organizations/${organization.id}/workspaces`, WorkspaceList)).workspaces;
}

const orgPath = (form: FormData) => apiPath`/organizations/${form.get('organizationId')}`;

export async function createWorkspace(form: FormData) {
  try {
    const input = parseForm(CreateWorkspaceInput, { name: field(form, 'name'), slug: field(form, 'slug') });
    return { ok: true as const, workspace: await api.post(`${orgPath(form)}/workspaces`, WorkspaceResponse, input) };
  } catch (error) {
    return failure(error);
  }
}

export async function renameWorkspace(form: FormData) {
  try {
    const input = parseForm(UpdateWorkspaceInput, { name: field(form, 'name') });
    return { ok: true as const, workspace: await api.patch(orgPath(form) + apiPath`/workspaces/${form.get('workspaceId')}`, WorkspaceResponse, input) };
  } catch (error) {
    return failure(error);
  }
}

export async function deleteWorkspace(form: FormData) {
  try {
    await api.delete(orgPath(form) + apiPath`/workspaces/${form.get('workspaceId')}`);
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}
