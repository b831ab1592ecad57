// Plays one clip at a time into the show from the host's browser: a hidden <video> whose picture is
// drawn into a canvas and published from there as the 'video' producer, and whose sound goes
// through WebAudio into a track published as 'video_audio'. Viewers receive the two like a camera
// and a microphone; the studio's program draws the picture and mixes the sound.
//
// Library clips come from presigned GETs on the object store, another origin: the element asks
// with CORS (crossOrigin = 'anonymous') so it stays origin-clean, or the canvas could not be
// captured and WebAudio would hear silence. The bucket must allow GET by CORS (the local one does).
//
// Why a canvas and not the element's own captureStream(): a captured track ends when its clip
// ends or the element loads another, and a producer whose track ends is closed, so every clip
// would be a new producer and viewers' clip tile would drop out between clips. The canvas track
// lives as long as the clip is on the air; two elements take turns so the next clip starts before
// the last one lets go. A frame is drawn only when the clip has moved on (a paused clip sends none).
// The sound goes through WebAudio rather than a captured audio track so that it reaches the show
// only: the host's speakers stay silent (no echo into their microphone), whatever the volume.
import type { MediaSource } from '@roomcast/schema/protocol';
import { startTicker } from '../program/frame-ticker';

type CapturableCanvas = HTMLCanvasElement & { captureStream(frameRate?: number): MediaStream };

/** The clip's picture rate, and its largest size (a bigger clip is scaled down: the encode is the host's). */
const CLIP_FPS = 30;
const MAX_CLIP_SIZE = { width: 1280, height: 720 };

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

/** The canvas the picture is drawn into while a clip is on the air, its track, its clock, and what it last drew. */
interface ClipPicture {
  canvas: CapturableCanvas;
  ctx: CanvasRenderingContext2D;
  track: MediaStreamTrack;
  stopTicker: () => void;
  drawn: { from: HTMLVideoElement | undefined; at: number };
}

export class ClipPlayer {
  readonly #out: ClipOutput;
  /** Two elements taking turns; `#active` is the one on the air (or last on it). */
  readonly #elements: [HTMLVideoElement, HTMLVideoElement];
  #active = 0;
  readonly #objectUrls = new Map<HTMLVideoElement, string>();
  #audio: { context: AudioContext; track: MediaStreamTrack } | undefined;
  #picture: ClipPicture | undefined;
  /** Bumped by every play: a play that was overtaken by the next one leaves the elements to it. */
  #plays = 0;

  constructor(out: ClipOutput, events: ClipEvents) {
    this.#out = out;
    const element = () => {
      const video = document.createElement('video');
      video.crossOrigin = 'anonymous';
      video.playsInline = true;
      video.preload = 'auto';
      // Not display:none: a hidden element may stop decoding.
      video.className = 'pointer-events-none fixed left-0 top-0 h-px w-px opacity-0';
      video.setAttribute('aria-hidden', 'true');
      video.dataset.testid = 'clip-element';
      // Only the element on the air speaks for the clip (the other is loading or unloaded).
      const mine = () => video === this.#current;
      video.addEventListener('ended', () => mine() && events.ended());
      video.addEventListener('error', () => mine() && video.hasAttribute('src') && events.failed(video.error));
      video.addEventListener('timeupdate', () => mine() && events.progress(video.currentTime, video.duration));
      document.body.append(video);
      return video;
    };
    this.#elements = [element(), element()];
  }

  get #current(): HTMLVideoElement {
    return this.#elements[this.#active]!;
  }

  /** The clip's sound as a track: both elements' output, routed into WebAudio once (a browser allows one source node per element). */
  #sound(): { context: AudioContext; track: MediaStreamTrack } {
    if (!this.#audio) {
      const context = new AudioContext();
      const destination = context.createMediaStreamDestination();
      for (const video of this.#elements) context.createMediaElementSource(video).connect(destination);
      this.#audio = { context, track: destination.stream.getAudioTracks()[0]! };
    }
    return this.#audio;
  }

  /** The canvas track, drawn from the element on the air at the clip's rate (started with the first clip). */
  #canvas(): MediaStreamTrack {
    if (!this.#picture) {
      const canvas = document.createElement('canvas') as CapturableCanvas;
      canvas.width = 640;
      canvas.height = 360;
      const ctx = canvas.getContext('2d', { alpha: false })!;
      const track = canvas.captureStream(CLIP_FPS).getVideoTracks()[0];
      if (!track) throw new Error('This browser cannot capture a canvas');
      const picture: ClipPicture = { canvas, ctx, track, stopTicker: () => {}, drawn: { from: undefined, at: -1 } };
      picture.stopTicker = startTicker(CLIP_FPS, () => this.#draw(picture));
      this.#picture = picture;
    }
    return this.#picture.track;
  }

  #draw(picture: ClipPicture): void {
    const video = this.#current;
    if (video.readyState < 2 || video.videoWidth === 0) return;
    // Nothing new to show (paused, or between frames of a slower clip): no frame goes out.
    if (picture.drawn.from === video && picture.drawn.at === video.currentTime) return;
    const scale = Math.min(1, MAX_CLIP_SIZE.width / video.videoWidth, MAX_CLIP_SIZE.height / video.videoHeight);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    if (picture.canvas.width !== width || picture.canvas.height !== height) {
      picture.canvas.width = width;
      picture.canvas.height = height;
    }
    picture.ctx.drawImage(video, 0, 0, width, height);
    picture.drawn = { from: video, at: video.currentTime };
  }

  /**
   * Plays `src` (a URL, or a file from this computer) from `at` seconds and puts it on the air in
   * place of whatever was. Rejects when the browser cannot play it (the caller says why and moves on).
   */
  async play(src: string | File, at = 0): Promise<void> {
    const play = ++this.#plays;
    const previous = this.#current;
    const onAir = previous.hasAttribute('src');
    const video = onAir ? this.#elements[1 - this.#active]! : previous;
    previous.pause();
    this.#unload(video);
    if (typeof src === 'string') video.src = src;
    else {
      const url = URL.createObjectURL(src);
      this.#objectUrls.set(video, url);
      video.src = url;
    }
    const sound = this.#sound();
    // Started by a click (Play, Next) or by the previous clip's end: the page has had a click.
    await sound.context.resume().catch(() => {});
    if (at > 0) video.currentTime = at;
    await video.play();
    if (video.videoWidth === 0) throw new Error('the file has no picture');
    if (play !== this.#plays) return;
    previous.removeAttribute('data-on-air');
    video.dataset.onAir = 'yes';
    this.#active = this.#elements.indexOf(video);
    if (previous !== video) this.#unload(previous);
    await Promise.all([this.#out.publish('video', this.#canvas()), this.#out.publish('video_audio', sound.track)]);
  }

  pause(): void {
    this.#current.pause();
  }

  resume(): Promise<void> {
    return this.#current.play();
  }

  get position(): number {
    return this.#current.currentTime;
  }

  /** Off the air: the producers close, so viewers' clip tile goes away. */
  async stop(): Promise<void> {
    ++this.#plays;
    for (const video of this.#elements) this.#unload(video);
    const picture = this.#picture;
    this.#picture = undefined;
    picture?.stopTicker();
    await Promise.all([this.#out.unpublish('video'), this.#out.unpublish('video_audio')]);
    picture?.track.stop();
  }

  dispose(): void {
    void this.stop();
    for (const video of this.#elements) video.remove();
    void this.#audio?.context.close().catch(() => {});
    this.#audio = undefined;
  }

  #unload(video: HTMLVideoElement): void {
    video.pause();
    video.removeAttribute('data-on-air');
    if (video.hasAttribute('src')) {
      video.removeAttribute('src');
      video.load();
    }
    const url = this.#objectUrls.get(video);
    if (url) URL.revokeObjectURL(url);
    this.#objectUrls.delete(video);
  }
}
