// Program out, composited in the host's studio: the stage (layout, banner, clip) drawn into a
// canvas at a fixed size, at its sources' rate (at most PROGRAM_FPS), and the stage's audio mixed
// with WebAudio. The two tracks are published as the `program` and `program_audio` producers,
// which server recording (and egress) carry; viewers keep laying out the individual tracks
// themselves.
//
// Why here and not on the media node: the host's browser already decodes every stage track and
// renders the layout, so compositing costs one more encode in one browser and no transcode on the
// fleet. The trade-off: the program is only as good as the host's CPU and upstream (a host on a
// weak laptop or line records a weaker program), and it stops when the host's studio closes.
import type { Brand } from '@roomcast/schema/api';
import type { Banner, Layout } from '@roomcast/schema/protocol';
import type { StageTile } from '../StageView';
import { startTicker } from './frame-ticker';
import { containRect, PROGRAM_FPS, PROGRAM_SIZE, programLayout, type Placed, type Rect } from './program-layout';

export interface ProgramScene {
  tiles: StageTile[];
  layout: Layout;
  spotlight: string | null;
  banner: Banner | null;
  /** The organization's brand kit: background, logo, colour of banners and name tags. */
  brand: Brand | null;
  /** Audio tracks to mix: the stage's microphones (the host's own included) and a played-in clip's sound. */
  audio: MediaStreamTrack[];
}

type CapturableCanvas = HTMLCanvasElement & { captureStream(frameRate?: number): MediaStream };

const TILE_BACKGROUND = '#0f172a';
/** Over a brand background, tiles let it show through. */
const TILE_OVER_BACKGROUND = 'rgba(0, 0, 0, 0.4)';
const BANNER_BACKGROUND = 'rgba(67, 56, 202, 0.95)';
const NAME_TAG_BACKGROUND = 'rgba(0, 0, 0, 0.6)';
/**
 * With nothing new to show, a frame is still drawn this often: a recorder or encoder that joins
 * asks for a keyframe, which the next frame answers.
 */
const IDLE_FRAME_MS = 500;

export class ProgramCompositor {
  readonly video: MediaStreamTrack;
  readonly audio: MediaStreamTrack;
  readonly #canvas: CapturableCanvas;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #scene: () => ProgramScene;
  /** One hidden <video> per track drawn (decoding the track once for the canvas). */
  readonly #players = new Map<MediaStreamTrack, HTMLVideoElement>();
  readonly #audioContext: AudioContext;
  readonly #mix: MediaStreamAudioDestinationNode;
  readonly #inputs = new Map<MediaStreamTrack, { node: MediaStreamAudioSourceNode; sink: HTMLAudioElement }>();
  readonly #stopTicker: () => void;
  /** Brand images by URL; loaded with CORS so the canvas stays origin-clean (capturable). */
  readonly #images = new Map<string, HTMLImageElement>();
  #failing = false;
  #frames = 0;
  #drawMs = 0;
  /** What the last frame showed: the scene's key, each player's frame count, and when. */
  #shown = { key: '', at: 0, frames: new Map<HTMLVideoElement, number>() };
  /** A brand image finished loading since the last frame. */
  #imageLoaded = false;

  constructor(scene: () => ProgramScene) {
    this.#scene = scene;
    this.#canvas = document.createElement('canvas') as CapturableCanvas;
    this.#canvas.width = PROGRAM_SIZE.width;
    this.#canvas.height = PROGRAM_SIZE.height;
    this.#ctx = this.#canvas.getContext('2d', { alpha: false })!;
    const video = this.#canvas.captureStream(PROGRAM_FPS).getVideoTracks()[0];
    if (!video) throw new Error('This browser cannot capture a canvas');
    // 'detail' keeps the resolution when the encoder is short of CPU or bandwidth (frames drop
    // instead): the program stays at its size, which is what recordings are made at.
    video.contentHint = 'detail';
    this.video = video;
    this.#audioContext = new AudioContext();
    this.#mix = this.#audioContext.createMediaStreamDestination();
    this.audio = this.#mix.stream.getAudioTracks()[0]!;
    this.#draw(scene());
    this.#stopTicker = startTicker(PROGRAM_FPS, () => this.#frame());
  }

  /** 'running' while the mix renders; 'suspended' until the page has had a click (autoplay rules). */
  get audioState(): AudioContextState {
    return this.#audioContext.state;
  }

  /** Go live is a click: the audio context may start only after one (autoplay rules). */
  resumeAudio(): void {
    void this.#audioContext.resume().catch(() => {});
  }

  stop(): void {
    this.#stopTicker();
    this.video.stop();
    this.audio.stop();
    for (const player of this.#players.values()) player.srcObject = null;
    this.#players.clear();
    for (const input of this.#inputs.values()) {
      input.node.disconnect();
      input.sink.srcObject = null;
    }
    this.#inputs.clear();
    void this.#audioContext.close().catch(() => {});
  }

  /** The image at `url` once it has loaded (undefined until then, or when it cannot load). */
  #image(url: string | null): HTMLImageElement | undefined {
    if (!url) return undefined;
    let image = this.#images.get(url);
    if (!image) {
      image = new Image();
      image.crossOrigin = 'anonymous';
      image.onload = () => (this.#imageLoaded = true);
      image.src = url;
      this.#images.set(url, image);
    }
    return image.complete && image.naturalWidth > 0 ? image : undefined;
  }

  #player(track: MediaStreamTrack): HTMLVideoElement {
    let player = this.#players.get(track);
    if (!player) {
      player = document.createElement('video');
      player.muted = true;
      player.playsInline = true;
      player.srcObject = new MediaStream([track]);
      void player.play().catch(() => {});
      this.#players.set(track, player);
    }
    return player;
  }

  #syncAudio(tracks: MediaStreamTrack[]): void {
    const wanted = new Set(tracks.filter((t) => t.readyState === 'live'));
    for (const [track, input] of this.#inputs) {
      if (wanted.has(track)) continue;
      input.node.disconnect();
      input.sink.srcObject = null;
      this.#inputs.delete(track);
    }
    for (const track of wanted) {
      if (this.#inputs.has(track)) continue;
      const stream = new MediaStream([track]);
      const node = this.#audioContext.createMediaStreamSource(stream);
      node.connect(this.#mix);
      // Chromium feeds a remote WebRTC track into WebAudio only while a media element plays it too.
      const sink = new Audio();
      sink.muted = true;
      sink.srcObject = stream;
      void sink.play().catch(() => {});
      this.#inputs.set(track, { node, sink });
    }
  }

  /** Frames drawn and the time spent drawing them: what the studio shows under "Program out". */
  stats(): { frames: number; drawMs: number } {
    return { frames: this.#frames, drawMs: this.#drawMs };
  }

  /**
   * Something new to show: a source's new frame, another scene (layout, banner, tiles, brand), or
   * the idle interval passed. Redrawing an unchanged picture would only make the encoder (and every
   * recorder and transcoder downstream) work on duplicates: the program runs at its sources' rate,
   * at most PROGRAM_FPS. A player that does not count its frames, or a hidden tab (whose videos
   * may stop counting), draws every tick.
   */
  #changed(scene: ProgramScene): boolean {
    const now = performance.now();
    const key = JSON.stringify(scene, (_k, v: unknown) => (v instanceof MediaStreamTrack ? `${v.id}:${v.readyState}` : v));
    let changed = key !== this.#shown.key || this.#imageLoaded || now - this.#shown.at >= IDLE_FRAME_MS || document.hidden;
    const frames = new Map<HTMLVideoElement, number>();
    for (const player of this.#players.values()) {
      const count = player.getVideoPlaybackQuality?.().totalVideoFrames;
      // 0: no frame yet, or a browser that does not count a stream's frames (never trusted idle).
      if (!count || count !== this.#shown.frames.get(player)) changed = true;
      if (count !== undefined) frames.set(player, count);
    }
    if (changed) this.#shown = { key, at: now, frames };
    return changed;
  }

  /** One frame; a frame that fails is reported once, and the next frames try again. */
  #frame(): void {
    try {
      const scene = this.#scene();
      if (!this.#changed(scene)) return;
      this.#imageLoaded = false;
      const started = performance.now();
      this.#draw(scene);
      this.#drawMs += performance.now() - started;
      this.#frames += 1;
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) console.error('[program] drawing a frame failed', error);
      this.#failing = true;
    }
  }

  #draw(scene: ProgramScene): void {
    const ctx = this.#ctx;
    const { width: W, height: H } = PROGRAM_SIZE;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, W, H);
    const brand = scene.brand;
    const background = this.#image(brand?.backgroundUrl ?? null);
    if (background) {
      // Cover: the background fills the picture, cropped to its shape.
      const scale = Math.max(W / background.naturalWidth, H / background.naturalHeight);
      const w = background.naturalWidth * scale;
      const h = background.naturalHeight * scale;
      ctx.drawImage(background, (W - w) / 2, (H - h) / 2, w, h);
    }
    const placed = programLayout(scene.tiles, scene.layout, scene.spotlight);
    const drawn = new Set<MediaStreamTrack>();
    for (const p of placed) {
      const track = this.#drawTile(p, { background: background !== undefined, nameTags: brand?.nameTags ?? true, color: brand?.primaryColor });
      if (track) drawn.add(track);
    }
    if (scene.banner) this.#drawBanner(scene.banner, brand?.primaryColor);
    const logo = this.#image(brand?.logoUrl ?? null);
    if (logo) {
      // Top right, at most 18% wide and 12% high, as StageView shows it.
      const box = { x: W - 8 - W * 0.18, y: 8, w: W * 0.18, h: H * 0.12 };
      const at = containRect(logo.naturalWidth, logo.naturalHeight, box);
      ctx.drawImage(logo, box.x + box.w - at.w, box.y, at.w, at.h);
    }
    // Players for tracks no longer drawn stop decoding for the canvas.
    for (const [track, player] of this.#players) {
      if (drawn.has(track)) continue;
      player.srcObject = null;
      this.#players.delete(track);
    }
    this.#syncAudio(scene.audio);
  }

  #drawTile(p: Placed, look: { background: boolean; nameTags: boolean; color: string | undefined }): MediaStreamTrack | undefined {
    const ctx = this.#ctx;
    const { rect, tile } = p;
    ctx.fillStyle = look.background ? TILE_OVER_BACKGROUND : TILE_BACKGROUND;
    ctx.fillRect(rect.x, rect.y, rect.w, rect.h);
    const track = p.prefer === 'screen' ? (tile.screen ?? tile.camera) : (tile.camera ?? tile.screen);
    if (track && track.readyState === 'live') {
      const player = this.#player(track);
      if (player.readyState >= 2 && player.videoWidth > 0) {
        const at = containRect(player.videoWidth, player.videoHeight, rect);
        ctx.drawImage(player, at.x, at.y, at.w, at.h);
      }
    } else {
      this.#text(tile.name, rect.x + rect.w / 2, rect.y + rect.h / 2, { size: 22, color: 'rgba(255,255,255,0.7)', align: 'center' });
    }
    if (look.nameTags) this.#nameTag(tile.name, rect, look.color);
    return track;
  }

  #nameTag(name: string, rect: Rect, color: string | undefined): void {
    const ctx = this.#ctx;
    const size = Math.max(12, Math.min(20, rect.h / 16));
    ctx.font = `600 ${size}px system-ui, sans-serif`;
    const width = Math.min(ctx.measureText(name).width + size, rect.w * 0.9);
    const x = rect.x + 6;
    const y = rect.y + rect.h - size * 1.6 - 6;
    ctx.fillStyle = color ?? NAME_TAG_BACKGROUND;
    ctx.fillRect(x, y, width, size * 1.6);
    this.#text(name, x + size / 2, y + size * 0.8, { size, color: '#fff', align: 'left', maxWidth: width - size });
  }

  #drawBanner(banner: Banner, color: string | undefined): void {
    const ctx = this.#ctx;
    const { width: W, height: H } = PROGRAM_SIZE;
    const x = 24;
    const w = W - 48;
    const lines = this.#wrap(banner.text, w - 32, 26).slice(0, 3);
    const h = 24 + 22 + lines.length * 32;
    const y = H - 56 - h;
    ctx.fillStyle = color ?? BANNER_BACKGROUND;
    ctx.fillRect(x, y, w, h);
    const heading = [banner.author, banner.symbol ? ` · ${banner.symbol}` : '', banner.price != null ? ` @ ${banner.price}` : ''].join('').toUpperCase();
    this.#text(heading, x + 16, y + 22, { size: 16, color: '#e0e7ff', align: 'left', weight: 600 });
    lines.forEach((line, i) => this.#text(line, x + 16, y + 52 + i * 32, { size: 26, color: '#fff', align: 'left' }));
  }

  #wrap(text: string, width: number, size: number): string[] {
    const ctx = this.#ctx;
    ctx.font = `400 ${size}px system-ui, sans-serif`;
    const lines: string[] = [];
    let line = '';
    for (const word of text.split(/\s+/)) {
      const next = line ? `${line} ${word}` : word;
      if (line && ctx.measureText(next).width > width) {
        lines.push(line);
        line = word;
      } else line = next;
    }
    if (line) lines.push(line);
    return lines;
  }

  #text(text: string, x: number, y: number, o: { size: number; color: string; align: CanvasTextAlign; weight?: number; maxWidth?: number }): void {
    const ctx = this.#ctx;
    ctx.font = `${o.weight ?? 400} ${o.size}px system-ui, sans-serif`;
    ctx.fillStyle = o.color;
    ctx.textAlign = o.align;
    ctx.textBaseline = 'middle';
    if (o.maxWidth !== undefined) ctx.fillText(text, x, y, o.maxWidth);
    else ctx.fillText(text, x, y);
  }
}
