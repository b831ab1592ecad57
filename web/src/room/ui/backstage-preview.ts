// A backstage guest's camera as a live thumbnail for the hosts: about once a second the current
// frame, scaled down to a small JPEG, goes over the room socket (backstage guests may not produce
// media, so the hosts cannot receive their camera as a track until they are on stage).
import type { RoomClient } from '@roomcast/client';
import { MAX_PREVIEW_CHARS, PREVIEW_INTERVAL_MS, PREVIEW_SIZE } from '@roomcast/schema/protocol';

export function sendBackstagePreviews(client: RoomClient, camera: () => MediaStreamTrack | undefined): () => void {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  const canvas = document.createElement('canvas');
  canvas.width = PREVIEW_SIZE.width;
  canvas.height = PREVIEW_SIZE.height;
  const ctx = canvas.getContext('2d')!;
  let shown: MediaStreamTrack | undefined;
  const timer = setInterval(() => {
    const track = camera();
    if (!track || track.readyState !== 'live' || !track.enabled) return;
    if (track !== shown) {
      shown = track;
      video.srcObject = new MediaStream([track]);
      void video.play().catch(() => {});
    }
    if (video.readyState < 2) return;
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    // Lower the quality until it fits in a frame (a busy picture compresses worse).
    for (const quality of [0.7, 0.5, 0.3]) {
      const image = canvas.toDataURL('image/jpeg', quality);
      if (image.length <= MAX_PREVIEW_CHARS) {
        client.send({ type: 'backstage.preview', image });
        return;
      }
    }
  }, PREVIEW_INTERVAL_MS);
  return () => {
    clearInterval(timer);
    video.srcObject = null;
  };
}
