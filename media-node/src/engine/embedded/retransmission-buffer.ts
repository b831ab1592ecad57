// The last packets sent to one consumer, by outgoing sequence number, to answer its NACKs.
import type { RtpHeader } from 'werift';

interface Stored {
  seq: number;
  header: RtpHeader;
  payload: Buffer;
  sentAt: number;
  resent: number;
}

const SIZE = 1024; // a power of two; ~3 s of a 1.5 Mbps layer
const MAX_AGE_MS = 2000;
const MAX_RESENDS = 3;

export class RetransmissionBuffer {
  readonly #slots: (Stored | undefined)[] = new Array(SIZE);

  store(header: RtpHeader, payload: Buffer, now: number): void {
    this.#slots[header.sequenceNumber & (SIZE - 1)] = { seq: header.sequenceNumber, header, payload, sentAt: now, resent: 0 };
  }

  /** The packet to send again, if we still have it and have not resent it too often. */
  take(seq: number, now: number): Stored | undefined {
    const slot = this.#slots[seq & (SIZE - 1)];
    if (!slot || slot.seq !== seq || now - slot.sentAt > MAX_AGE_MS || slot.resent >= MAX_RESENDS) return undefined;
    slot.resent++;
    return slot;
  }

  clear(): void {
    this.#slots.fill(undefined);
  }
}
