import { action, query } from '@solidjs/router';
import { completeUpload, deleteFile, fileDownloadUrl, loadFiles, startUpload } from './files.server';

export const getFiles = query(loadFiles, 'files');
export const startUploadAction = action(startUpload, 'file-upload-start');
export const completeUploadAction = action(completeUpload, 'file-upload-complete');
export const fileDownloadAction = action(fileDownloadUrl, 'file-download');
export const deleteFileAction = action(deleteFile, 'file-delete');
