// Plays one clip at a time into the show from the host's browser: a hidden <video> whose picture is
// captured (captureStream) and published as the 'video' producer, and whose sound goes through
// WebAudio into a track published as 'video_audio'. Viewers receive the two like a camera and a
// microphone; the studio's program draws the picture and mixes the sound.
//
// Library clips come from presigned GETs on the object store, another origin: the element asks
// with CORS (crossOrigin = 'anonymous') so it stays origin-clean, or the captured picture would be
// refused and WebAudio would hear silence. The bucket must allow GET by CORS (the local one does).
//
// The sound goes through WebAudio rather than captureStream's audio track so that it reaches the
// show only: the host's speakers stay silent (no echo into their microphone), whatever the volume.
// The clip's producers stay up from one clip to the next (the picture track is replaced), so
// viewers see one clip tile across the queue.
import type { MediaSource } from '@roomcast/schema/protocol';

type CapturableVideo = HTMLVideoElement & { captureStream(): MediaStream };

export interface ClipOutput {
  publish(source: MediaSource, track: MediaStreamTrack): Promise<void>;
  unpublish(source: MediaSource): Promise<void>;
}

export interface ClipEvents {
  /** The clip played to its end. */
  ended(): void;
  /** The element could not load or keep playing the clip (a network error: an expired URL). */
  failed(error: MediaError | null): void;
  /** Position and duration changed (about 4 times a second while playing). */
  progress(at: number, duration: number): void;
}

export class ClipPlayer {
  readonly #video: CapturableVideo;
  readonly #out: ClipOutput;
  #audio: { context: AudioContext; track: MediaStreamTrack } | undefined;
  #picture: MediaStreamTrack | undefined;
  #objectUrl: string | undefined;

  constructor(out: ClipOutput, events: ClipEvents) {
    this.#out = out;
    const video = document.createElement('video') as CapturableVideo;
    video.crossOrigin = 'anonymous';
    video.playsInline = true;
    video.preload = 'auto';
    // Not display:none: a hidden element may stop decoding, and captureStream() with it.
    video.className = 'pointer-events-none fixed left-0 top-0 h-px w-px opacity-0';
    video.setAttribute('aria-hidden', 'true');
    video.dataset.testid = 'clip-element';
    video.addEventListener('ended', () => events.ended());
    video.addEventListener('error', () => events.failed(video.error));
    video.addEventListener('timeupdate', () => events.progress(video.currentTime, video.duration));
    document.body.append(video);
    this.#video = video;
  }

  /** The clip's sound as a track: the element's output, routed into WebAudio once (a browser allows one source node per element). */
  #sound(): { context: AudioContext; track: MediaStreamTrack } {
    if (!this.#audio) {
      const context = new AudioContext();
      const destination = context.createMediaStreamDestination();
      context.createMediaElementSource(this.#video).connect(destination);
      this.#audio = { context, track: destination.stream.getAudioTracks()[0]! };
    }
    return this.#audio;
  }

  /**
   * Plays `src` (a URL, or a file from this computer) from `at` seconds and puts it on the air.
   * Rejects when the browser cannot play it (the caller says why and moves on).
   */
  async play(src: string | File, at = 0): Promise<void> {
    const video = this.#video;
    this.#release();
    if (typeof src === 'string') video.src = src;
    else video.src = this.#objectUrl = URL.createObjectURL(src);
    const sound = this.#sound();
    // Started by a click (Play, Next) or by the previous clip's end: the page has had a click.
    await sound.context.resume().catch(() => {});
    if (at > 0) video.currentTime = at;
    await video.play();
    const captured = video.captureStream();
    // captureStream also captures the sound, which goes out through WebAudio instead.
    for (const track of captured.getAudioTracks()) track.stop();
    const picture = captured.getVideoTracks()[0];
    if (!picture) throw new Error('the file has no picture');
    const previous = this.#picture;
    this.#picture = picture;
    await Promise.all([this.#out.publish('video', picture), this.#out.publish('video_audio', sound.track)]);
    previous?.stop();
  }

  pause(): void {
    this.#video.pause();
  }

  resume(): Promise<void> {
    return this.#video.play();
  }

  get position(): number {
    return this.#video.currentTime;
  }

  /** Off the air: the producers close, so viewers' clip tile goes away. */
  async stop(): Promise<void> {
    this.#video.pause();
    this.#video.removeAttribute('src');
    this.#video.load();
    this.#release();
    const picture = this.#picture;
    this.#picture = undefined;
    await Promise.all([this.#out.unpublish('video'), this.#out.unpublish('video_audio')]);
    picture?.stop();
  }

  dispose(): void {
    void this.stop();
    this.#video.remove();
    void this.#audio?.context.close().catch(() => {});
    this.#audio = undefined;
  }

  #release(): void {
    if (this.#objectUrl) URL.revokeObjectURL(this.#objectUrl);
    this.#objectUrl = undefined;
  }
}
