import { action, query } from '@solidjs/router';
import { deleteRecording, loadRecording, loadRecordings, publishRecording } from './recordings.server';

export const getRecordings = query(loadRecordings, 'recordings');
export const getRecording = query(loadRecording, 'recording');
export const deleteRecordingAction = action(deleteRecording, 'recording-delete');
export const publishRecordingAction = action(publishRecording, 'recording-publish');
