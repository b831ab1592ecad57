// A <video> for one track (or a local preview), telling the media session which simulcast layer
// suits its size as the layout changes (ResizeObserver).
import { createEffect, onCleanup, onMount } from 'solid-js';
import { spatialLayerFor } from '@roomcast/client';

export function MediaView(props: {
  track: MediaStreamTrack | undefined;
  label: string;
  /** Local previews are mirrored and always muted. */
  mirror?: boolean;
  class?: string;
  onLayer?: (spatialLayer: number) => void;
  testId?: string;
}) {
  let video!: HTMLVideoElement;
  createEffect(() => {
    const track = props.track;
    video.srcObject = track ? new MediaStream([track]) : null;
    if (track) void video.play().catch(() => {});
  });
  onMount(() => {
    if (!props.onLayer || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) props.onLayer?.(spatialLayerFor(entry.contentRect.width, window.devicePixelRatio || 1));
    });
    observer.observe(video);
    onCleanup(() => observer.disconnect());
  });
  return (
    <video
      ref={video}
      aria-label={props.label}
      data-testid={props.testId}
      class={`h-full w-full bg-black object-contain ${props.mirror ? '-scale-x-100' : ''} ${props.class ?? ''}`}
      autoplay
      playsinline
      muted
    />
  );
}
