import { query } from '@solidjs/router';
import { loadPublicRecording, loadPublicRecordings } from './vod.server';

export const getPublicRecordings = query(loadPublicRecordings, 'public-recordings');
export const getPublicRecording = query(loadPublicRecording, 'public-recording');
