// The presigned part URLs a recording was handed by the Worker (through its RoomDO): the node asks
// for more before it runs out (`recording.urls_wanted`), and a part whose URL has not come yet
// waits for it. The node never holds the bucket's keys, so it cannot sign one itself. HLS egress
// numbers its segments the same way (egress/hls-output.ts), without the multipart cap.
import type { RecordingPartUrl } from '@roomcast/schema/protocol';

/** Ask for more when fewer than this many URLs are left ahead of the part being uploaded. */
const LOW_WATER = 4;
const BATCH = 16;
const WAIT_MS = 30_000;

export class PartUrls {
  readonly #urls = new Map<number, string>();
  readonly #waiters = new Map<number, (url: string) => void>();
  /** The highest part number asked for so far (not asked twice). */
  #askedUpTo = 0;

  constructor(
    private readonly want: (fromPart: number, count: number) => void,
    /** The highest number there can be (S3 multipart: 10 000 parts). */
    private readonly max = 10_000,
  ) {}

  add(urls: RecordingPartUrl[]): void {
    for (const { partNumber, url } of urls) {
      this.#urls.set(partNumber, url);
      this.#askedUpTo = Math.max(this.#askedUpTo, partNumber);
      this.#waiters.get(partNumber)?.(url);
      this.#waiters.delete(partNumber);
    }
  }

  async get(partNumber: number): Promise<string> {
    if (this.#askedUpTo - partNumber < LOW_WATER) this.#ask(Math.max(partNumber, this.#askedUpTo + 1));
    const known = this.#urls.get(partNumber);
    if (known) return known;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(partNumber);
        // Asked again on the next try: the answer may have been lost with a socket.
        this.#askedUpTo = Math.min(this.#askedUpTo, partNumber - 1);
        reject(new Error(`no URL for part ${partNumber} came from the room`));
      }, WAIT_MS);
      this.#waiters.set(partNumber, (url) => {
        clearTimeout(timer);
        resolve(url);
      });
    });
  }

  #ask(fromPart: number): void {
    if (fromPart > this.max) return;
    const count = Math.min(BATCH, this.max + 1 - fromPart);
    this.#askedUpTo = fromPart + count - 1;
    this.want(fromPart, count);
  }
}
