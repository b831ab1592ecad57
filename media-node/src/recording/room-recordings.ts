// A room's server recordings on its origin node, by recording id, each with the presigned part
// URLs the RoomDO handed it (more are asked for as it goes). The RoomDO drives them through
// recording.start / recording.urls / recording.stop; a repeated start answers the running one.
import { ProtocolError, type NodeToRoom, type RecordingPartUrl, type RecordingReport } from '@roomcast/schema/protocol';
import type { Producer, Router } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import { PartUrls } from './part-urls.ts';
import { Recorder } from './recorder.ts';

/** Where recordings are written and the size of their parts (config.recording). */
export interface RecordingSettings {
  dir: string;
  partBytes: number;
}

export interface RecordingStart {
  recordingId: string;
  producers: Producer[];
  partUrls: RecordingPartUrl[];
  /** Absent for a recording's further track (a screen share): no poster is cut. */
  posterUrl?: string;
}

export class RoomRecordings {
  readonly #running = new Map<string, { recorder: Promise<Recorder>; urls: PartUrls }>();

  constructor(
    private readonly router: Router,
    private readonly settings: RecordingSettings,
    private readonly send: (frame: NodeToRoom) => void,
    private readonly log: Logger,
  ) {}

  async start(start: RecordingStart): Promise<{ container: Recorder['container'] }> {
    const { recordingId } = start;
    const running = this.#running.get(recordingId);
    if (running) {
      // The room asked again (its first ask timed out while ffmpeg started): the same recording.
      running.urls.add(start.partUrls);
      return { container: (await running.recorder).container };
    }
    const urls = new PartUrls((fromPart, count) => this.send({ type: 'recording.urls_wanted', recordingId, fromPart, count }));
    urls.add(start.partUrls);
    const recorder = Recorder.start({
      recordingId,
      router: this.router,
      producers: start.producers,
      dir: this.settings.dir,
      partBytes: this.settings.partBytes,
      partUrl: (n) => urls.get(n),
      posterUrl: start.posterUrl,
      onPart: (part) => this.send({ type: 'recording.part', recordingId, part }),
      onFailed: (reason) => this.send({ type: 'recording.failed', recordingId, reason: reason.slice(0, 500) }),
      log: this.log,
    });
    this.#running.set(recordingId, { recorder, urls });
    try {
      return { container: (await recorder).container };
    } catch (error) {
      this.#running.delete(recordingId);
      throw error;
    }
  }

  addUrls(recordingId: string, partUrls: RecordingPartUrl[]): void {
    this.#of(recordingId).urls.add(partUrls);
  }

  async stop(recordingId: string): Promise<RecordingReport> {
    const entry = this.#of(recordingId);
    this.#running.delete(recordingId);
    return (await entry.recorder).stop();
  }

  /** The room closed under its recordings: drop them (the Worker completes what was uploaded as partial). */
  close(): void {
    for (const { recorder } of this.#running.values()) void recorder.then((r) => r.abort()).catch(() => {});
    this.#running.clear();
  }

  #of(id: string): { recorder: Promise<Recorder>; urls: PartUrls } {
    const entry = this.#running.get(id);
    if (!entry) throw new ProtocolError('not_found', `No recording ${id} on this node`);
    return entry;
  }
}
