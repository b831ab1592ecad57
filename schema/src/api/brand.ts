// An organization's brand kit for the studio (REST shapes): a logo and a background image (uploaded
// files, images only), a primary colour for banners and name tags, and name tags on or off. The
// studio's program and the viewer's stage both draw it.
import { z } from 'zod';

/** The image types a brand kit accepts (drawn on a canvas and in <img>). */
export const BRAND_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

export const DEFAULT_BRAND_COLOR = '#4338ca';

export const BrandKitInput = z.object({
  /** An uploaded image file of this organization; null: none. */
  logoFileId: z.uuid().nullable(),
  backgroundFileId: z.uuid().nullable(),
  primaryColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
    .transform((c) => c.toLowerCase()),
  nameTags: z.boolean(),
});

/** What players draw: image URLs are short-lived presigned GETs (the store allows cross-origin GET). */
export const Brand = z.object({
  primaryColor: z.string(),
  nameTags: z.boolean(),
  logoUrl: z.string().nullable(),
  backgroundUrl: z.string().nullable(),
});
export type Brand = z.infer<typeof Brand>;

export const BrandKit = Brand.extend({
  logoFileId: z.uuid().nullable(),
  backgroundFileId: z.uuid().nullable(),
  /** Null until the kit is first saved (the defaults apply). */
  updatedAt: z.string().nullable(),
});
export type BrandKit = z.infer<typeof BrandKit>;
