import { action, query } from '@solidjs/router';
import { createWorkspace, deleteWorkspace, loadWorkspaces, renameWorkspace } from './workspaces.server';

export const getWorkspaces = query(loadWorkspaces, 'workspaces');
export const createWorkspaceAction = action(createWorkspace, 'workspace-create');
export const renameWorkspaceAction = action(renameWorkspace, 'workspace-rename');
export const deleteWorkspaceAction = action(deleteWorkspace, 'workspace-delete');
