// The studio as room state: who is on stage, how the player lays them out, and the banner shown
// over the picture. The RoomDO holds it and sends it in every `room.updated`; the host studio and
// the viewer player both draw the on-stage tracks from it, so a layout switch is one frame.
import { z } from 'zod';

/** Most people on stage at once (hosts and co-hosts present included). */
export const STAGE_LIMIT = 10;

export const LAYOUTS = ['solo', 'side_by_side', 'grid', 'spotlight', 'screen_pip'] as const;
export const Layout = z.enum(LAYOUTS);
export type Layout = z.infer<typeof Layout>;

/** A chat message or a trading alert shown over the picture. */
export const Banner = z.object({
  source: z.enum(['chat', 'alert']),
  /** The chat message's or alert's id. */
  id: z.number().int(),
  text: z.string(),
  author: z.string(),
  /** Alerts only: the ticker and price, when the alert had them. */
  symbol: z.string().nullable().optional(),
  price: z.number().nullable().optional(),
  shownAt: z.string(),
});
export type Banner = z.infer<typeof Banner>;

export const StudioState = z.object({
  layout: Layout,
  /** The person the spotlight (and solo) layout puts first; null: the first on stage. */
  spotlight: z.string().nullable(),
  /** Identities on stage, in the order they came on (their producers reach viewers). */
  stage: z.array(z.string()),
  stageLimit: z.number().int(),
  banner: Banner.nullable(),
});
export type StudioState = z.infer<typeof StudioState>;

/** A message of the backstage chat: host, co-hosts and guests only, never viewers. */
export const BackstageMessage = z.object({
  id: z.number().int(),
  identity: z.string(),
  name: z.string(),
  text: z.string(),
  sentAt: z.string(),
});
export type BackstageMessage = z.infer<typeof BackstageMessage>;

/** The backstage chat kept per live session (the newest). */
export const BACKSTAGE_HISTORY = 50;

/**
 * A backstage guest's camera preview for the host: a small JPEG (data URL) a guest sends about once
 * a second while backstage. Not media: backstage guests may not produce (the server keeps them off
 * the air), so hosts see a live thumbnail instead, through the room socket, never to viewers.
 */
export const PREVIEW_INTERVAL_MS = 1000;
export const PREVIEW_SIZE = { width: 192, height: 108 } as const;
export const MAX_PREVIEW_CHARS = 12_000;
export const PreviewImage = z
  .string()
  .max(MAX_PREVIEW_CHARS, `at most ${MAX_PREVIEW_CHARS} characters`)
  .regex(/^data:image\/jpeg;base64,[A-Za-z0-9+/]+={0,2}$/, 'a JPEG data URL');
