import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env.ts';

/** One per live room: signaling, presence, chat and moderation (built out in the RoomDO issue). */
export class RoomDO extends DurableObject<Env> {
  override async fetch(): Promise<Response> {
    return new Response('room signaling is not available yet', { status: 501 });
  }
}
