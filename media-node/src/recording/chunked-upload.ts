// Uploads one growing local file (what ffmpeg writes while the room is live) as the parts of a
// multipart upload: every part exactly `partBytes` long except the last (R2 requires equal parts,
// S3 at least 5 MiB but the last), each sent as soon as the file holds it, the remainder at finish.
// The local file is never cut or deleted here: a part that fails every retry is tried again on the
// next growth and at finish, and the caller deletes the file only once finish() answered.
import { open } from 'node:fs/promises';
import type { RecordedPart } from '@roomcast/schema/protocol';
import { putPart, type PartUploadOptions } from './part-uploader.ts';

export interface ChunkedUploadOptions {
  path: string;
  /** Size of every part but the last. */
  partBytes: number;
  /** A presigned PUT URL for that part (may wait for the Worker to hand out more). */
  partUrl(partNumber: number): Promise<string>;
  /** Told about every part the store has (a part uploaded again replaces the earlier one). */
  onPart?(part: RecordedPart): void;
  /** Told when a part failed every attempt (it stays queued). */
  onError?(error: Error): void;
  retry?: PartUploadOptions;
}

export class ChunkedUpload {
  /** Bytes of the file the store holds as full parts (always a multiple of partBytes). */
  #uploaded = 0;
  /** Bytes the file holds (what the writer reported). */
  #available = 0;
  readonly #parts = new Map<number, RecordedPart>();
  #queue: Promise<void> = Promise.resolve();
  #finished = false;

  constructor(private readonly options: ChunkedUploadOptions) {
    if (!Number.isInteger(options.partBytes) || options.partBytes < 1) throw new Error('partBytes must be a positive integer');
  }

  /** Bytes already in the store as full parts. */
  get uploadedBytes(): number {
    return this.#uploaded;
  }

  get parts(): RecordedPart[] {
    return [...this.#parts.values()].sort((a, b) => a.partNumber - b.partNumber);
  }

  /** The writer appended to the file: it now holds `bytes`; full parts go out. */
  grow(bytes: number): void {
    if (this.#finished) throw new Error('the upload is finished');
    this.#available = Math.max(this.#available, bytes);
    // Failures were told to onError already.
    this.#enqueue(() => this.#uploadFullParts()).catch(() => {});
  }

  /**
   * Uploads full part `partNumber` again (its bytes changed on disk: a header patched at stop).
   * Only a part already uploaded in full; later parts are read when their turn comes anyway.
   */
  reupload(partNumber: number): Promise<void> {
    const offset = (partNumber - 1) * this.options.partBytes;
    return this.#enqueue(async () => {
      if (offset + this.options.partBytes > this.#uploaded) return;
      await this.#put(partNumber, offset, this.options.partBytes);
    });
  }

  /** The file is complete at `bytes`: every full part, then the remainder as the last part. Answers the parts. */
  async finish(bytes: number): Promise<RecordedPart[]> {
    this.#available = Math.max(this.#available, bytes);
    await this.#enqueue(async () => {
      await this.#uploadFullParts(true);
      const rest = this.#available - this.#uploaded;
      if (rest > 0) await this.#put(this.#uploaded / this.options.partBytes + 1, this.#uploaded, rest);
    });
    this.#finished = true;
    return this.parts;
  }

  /** Runs `task` after the ones before it; a failed task does not stop the ones after it. */
  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(task);
    this.#queue = run.catch((error: unknown) => this.options.onError?.(error as Error));
    return run;
  }

  async #uploadFullParts(rethrow = false): Promise<void> {
    const { partBytes } = this.options;
    while (this.#available - this.#uploaded >= partBytes) {
      try {
        await this.#put(this.#uploaded / partBytes + 1, this.#uploaded, partBytes);
      } catch (error) {
        if (rethrow) throw error;
        // Kept queued: the next growth (or finish) tries this part again.
        this.options.onError?.(error as Error);
        return;
      }
      this.#uploaded += partBytes;
    }
  }

  async #put(partNumber: number, offset: number, length: number): Promise<void> {
    const body = await readRange(this.options.path, offset, length);
    const url = await this.options.partUrl(partNumber);
    const etag = await putPart(url, body, this.options.retry);
    const part = { partNumber, etag, sizeBytes: length };
    this.#parts.set(partNumber, part);
    this.options.onPart?.(part);
  }
}

export async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await file.read(buffer, read, length - read, offset + read);
      if (bytesRead === 0) throw new Error(`${path} holds fewer than ${offset + length} bytes`);
      read += bytesRead;
    }
    return buffer;
  } finally {
    await file.close();
  }
}
