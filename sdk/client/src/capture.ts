// Capturing what a participant publishes: the camera and microphone settings the studio uses, and
// the screen. A track captured here goes to `RoomClient.publish(source, track)`.
import type { MediaSource } from '@roomcast/schema/protocol';

export interface CaptureOptions {
  /** A device from `navigator.mediaDevices.enumerateDevices()`; absent: the browser's default. */
  deviceId?: string | undefined;
  /** Camera: ask for 640x360 instead of 1280x720 (a guest on a phone: less to encode and send). */
  low?: boolean | undefined;
}

/** Asks the browser for one track for `source` (camera 1280x720@30 ideal, echo-cancelled microphone, screen at 15 fps). */
export async function captureTrack(source: MediaSource, options: CaptureOptions = {}): Promise<MediaStreamTrack> {
  const device = options.deviceId ? { deviceId: { exact: options.deviceId } } : {};
  if (source === 'screen') {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
    return stream.getVideoTracks()[0]!;
  }
  const constraints: MediaStreamConstraints =
    source === 'camera'
      ? { video: { width: { ideal: options.low ? 640 : 1280 }, height: { ideal: options.low ? 360 : 720 }, frameRate: { ideal: options.low ? 24 : 30 }, ...device } }
      : { audio: { echoCancellation: true, noiseSuppression: true, ...device } };
  const stream = await navigator.mediaDevices.getUserMedia(constraints);
  return source === 'camera' ? stream.getVideoTracks()[0]! : stream.getAudioTracks()[0]!;
}
