// A local recording in the studio: MediaRecorder writes the host's full-quality output as WebM, and
// the bytes go to the object store as parts of one multipart upload WHILE recording (no giant
// upload at the end). Every part but the last is exactly `partBytes` (R2 wants equal parts, S3 at
// least 5 MiB), so chunks are buffered until a part is full. Nothing is lost: a part's bytes are
// kept until the store acknowledged them with an ETag; a failed PUT is retried with backoff
// (putPart), and a part that still fails is tried again every few seconds, and again at stop.
// MediaRecorder's WebM has no duration: at stop it is written into part 1's header (same length,
// @roomcast/schema/media/webm-duration), and part 1 goes up again. Then the Worker joins the parts.
import { putPart } from '@roomcast/schema/media/part-upload';
import { patchWebmDuration } from '@roomcast/schema/media/webm-duration';

export interface PartUrl {
  partNumber: number;
  url: string;
}

export interface LocalRecordingApi {
  /** More presigned part URLs, from `fromPart` on. */
  partUrls(fromPart: number, count: number): Promise<PartUrl[]>;
  /** Joins the parts into the recording (the Worker completes the multipart upload). */
  complete(input: { parts: { partNumber: number; etag: string }[]; durationMs: number; videoCodec: 'vp8' | 'vp9' | null; audioCodec: 'opus' | null }): Promise<void>;
}

export interface LocalRecordingProgress {
  state: 'recording' | 'finishing' | 'done' | 'failed';
  elapsedMs: number;
  recordedBytes: number;
  /** Bytes the store has acknowledged (part 1 counted once). */
  uploadedBytes: number;
  /** Parts cut but not yet acknowledged. */
  pendingParts: number;
  /** The last upload problem (shown while retrying; cleared once the part is acknowledged). */
  error?: string;
}

/** The first of these MediaRecorder supports: VP8 costs the least CPU beside the program's encoder. */
const MIME_TYPES = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm'];
const VIDEO_BITS_PER_SECOND = 8_000_000;
/** MediaRecorder hands data this often; parts are cut from it. */
const TIMESLICE_MS = 1000;
/** A part that failed every attempt of putPart is tried again after this long. */
const PART_RETRY_MS = 5000;
/** The header bytes patched with the duration (EBML header, Segment start, Info). */
const HEADER_BYTES = 4096;
const URL_BATCH = 16;

interface Part {
  blob: Blob;
  etag?: string;
}

export class LocalRecorder {
  readonly #recorder: MediaRecorder;
  readonly #parts = new Map<number, Part>();
  readonly #urls = new Map<number, string>();
  /** Recorded chunks not yet cut into a part. */
  #buffer: Blob[] = [];
  #bufferedBytes = 0;
  #recordedBytes = 0;
  #uploadedBytes = 0;
  #startedAt = 0;
  #stoppedAt = 0;
  #state: LocalRecordingProgress['state'] = 'recording';
  #error: string | undefined;
  #uploading: Promise<void> | undefined;
  readonly #ended: Promise<void>;
  #stopping: Promise<void> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #videoCodec: 'vp8' | 'vp9' | null;
  readonly #audioCodec: 'opus' | null;

  constructor(
    stream: MediaStream,
    private readonly partBytes: number,
    firstUrls: PartUrl[],
    private readonly api: LocalRecordingApi,
    private readonly onProgress: (progress: LocalRecordingProgress) => void,
  ) {
    const mimeType = MIME_TYPES.find((t) => MediaRecorder.isTypeSupported(t));
    if (!mimeType) throw new Error('This browser cannot record WebM (MediaRecorder)');
    this.#recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: VIDEO_BITS_PER_SECOND, audioBitsPerSecond: 128_000 });
    this.#videoCodec = stream.getVideoTracks().length === 0 ? null : mimeType.includes('vp9') ? 'vp9' : 'vp8';
    this.#audioCodec = stream.getAudioTracks().length > 0 ? 'opus' : null;
    for (const { partNumber, url } of firstUrls) this.#urls.set(partNumber, url);
    this.#recorder.addEventListener('dataavailable', (event) => this.#append(event.data));
    // The last chunk comes before 'stop'. The browser may also stop on its own (a recorded track
    // ended): what was recorded is then saved as if the host had pressed stop.
    this.#ended = new Promise((resolve) =>
      this.#recorder.addEventListener(
        'stop',
        () => {
          this.#stoppedAt = performance.now();
          if (this.#bufferedBytes > 0) this.#cut(this.#bufferedBytes);
          resolve();
          if (!this.#stopping) void this.stop().catch(() => {});
        },
        { once: true },
      ),
    );
  }

  /** Starts recording; resolves once MediaRecorder runs. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#recorder.addEventListener('start', () => ((this.#startedAt = performance.now()), resolve()), { once: true });
      this.#recorder.addEventListener('error', (event) => reject(new Error(`MediaRecorder: ${(event as ErrorEvent).message ?? 'error'}`)), { once: true });
      this.#recorder.start(TIMESLICE_MS);
    });
  }

  get progress(): LocalRecordingProgress {
    const now = this.#stoppedAt || (this.#startedAt ? performance.now() : 0);
    return {
      state: this.#state,
      elapsedMs: this.#startedAt ? Math.round(now - this.#startedAt) : 0,
      recordedBytes: this.#recordedBytes,
      uploadedBytes: this.#uploadedBytes,
      pendingParts: [...this.#parts.values()].filter((p) => !p.etag).length,
      error: this.#error,
    };
  }

  /**
   * Stops recording, uploads what is left (the last part, part 1 again with the duration), and
   * completes the recording. Throws when a part still cannot be uploaded: the bytes are kept and
   * `finish()` may be called again.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopping = (async () => {
      if (this.#recorder.state !== 'inactive') this.#recorder.stop();
      await this.#ended;
      await this.#writeDuration(Math.round(this.#stoppedAt - this.#startedAt));
      await this.finish();
    })();
    // A failed finish is retried with finish(), not stop().
    return this.#stopping;
  }

  /** Uploads every part not yet acknowledged and completes the recording (again after a failure). */
  async finish(): Promise<void> {
    this.#state = 'finishing';
    this.#error = undefined;
    this.#report();
    clearTimeout(this.#retryTimer);
    try {
      await this.#drain(true);
      const parts = [...this.#parts.entries()].map(([partNumber, p]) => ({ partNumber, etag: p.etag! }));
      if (parts.length === 0) throw new Error('Nothing was recorded');
      await this.api.complete({ parts, durationMs: this.progress.elapsedMs, videoCodec: this.#videoCodec, audioCodec: this.#audioCodec });
      this.#state = 'done';
      this.#parts.clear();
    } catch (error) {
      this.#state = 'failed';
      this.#error = (error as Error).message;
      throw error;
    } finally {
      this.#report();
    }
  }

  #append(chunk: Blob): void {
    if (chunk.size === 0) return;
    this.#buffer.push(chunk);
    this.#bufferedBytes += chunk.size;
    this.#recordedBytes += chunk.size;
    while (this.#bufferedBytes >= this.partBytes) this.#cut(this.partBytes);
    this.#report();
    if (this.#parts.size > 0) void this.#drain(false);
  }

  /** Takes the first `bytes` of the buffer as the next part. */
  #cut(bytes: number): void {
    const all = new Blob(this.#buffer);
    this.#parts.set(this.#parts.size + 1, { blob: all.slice(0, bytes) });
    const rest = all.slice(bytes);
    this.#buffer = rest.size > 0 ? [rest] : [];
    this.#bufferedBytes = rest.size;
  }

  async #writeDuration(durationMs: number): Promise<void> {
    const first = this.#parts.get(1);
    if (!first) return;
    const head = new Uint8Array(await first.blob.slice(0, HEADER_BYTES).arrayBuffer());
    if (!patchWebmDuration(head, durationMs)) {
      console.warn('[local recording] the duration could not be written into the file (the library still has it)');
      return;
    }
    // Same length as before: part 1 stays a full part.
    const patched = new Blob([head, first.blob.slice(head.length)]);
    // Once part 1's first upload has settled (it may be in flight), it goes up again.
    await this.#uploading;
    if (first.etag) this.#uploadedBytes -= first.blob.size;
    this.#parts.set(1, { blob: patched });
  }

  /** Uploads the parts not yet acknowledged, one at a time, in order. */
  #drain(rethrow: boolean): Promise<void> {
    const run = async () => {
      await this.#uploading?.catch(() => {});
      for (const [partNumber, part] of [...this.#parts.entries()].sort((a, b) => a[0] - b[0])) {
        if (part.etag) continue;
        try {
          const url = await this.#url(partNumber);
          const etag = await putPart(url, new Uint8Array(await part.blob.arrayBuffer()), {
            attempts: 5,
            baseDelayMs: 500,
            timeoutMs: 60_000,
            onRetry: (attempt, error) => this.#problem(`Uploading part ${partNumber} failed (attempt ${attempt}): ${error.message}. Retrying…`),
          });
          part.etag = etag;
          this.#uploadedBytes += part.blob.size;
          // Part 1 is kept: its header gets the duration at stop. The others are done with.
          if (partNumber !== 1) part.blob = new Blob([]);
          this.#error = undefined;
          this.#report();
        } catch (error) {
          this.#problem(`Part ${partNumber} could not be uploaded: ${(error as Error).message}. It is kept and tried again.`);
          if (rethrow) throw error;
          clearTimeout(this.#retryTimer);
          if (this.#state === 'recording') this.#retryTimer = setTimeout(() => void this.#drain(false), PART_RETRY_MS);
          return;
        }
      }
    };
    const uploading = run();
    this.#uploading = uploading.catch(() => {});
    return uploading;
  }

  async #url(partNumber: number): Promise<string> {
    const known = this.#urls.get(partNumber);
    if (known) return known;
    for (const { partNumber: n, url } of await this.api.partUrls(partNumber, URL_BATCH)) this.#urls.set(n, url);
    const url = this.#urls.get(partNumber);
    if (!url) throw new Error(`no upload URL for part ${partNumber}`);
    return url;
  }

  #problem(message: string): void {
    this.#error = message;
    this.#report();
  }

  #report(): void {
    this.onProgress(this.progress);
  }
}
