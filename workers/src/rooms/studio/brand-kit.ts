// The organization's brand kit as players draw it: colours, name tags, and the images as
// short-lived presigned GETs (the store allows cross-origin GET, so a canvas drawing them stays
// origin-clean and can still be captured as the program). Images that were deleted since are left out.
import { and, eq, inArray } from 'drizzle-orm';
import { brandKits, files } from '@roomcast/schema/db';
import type { Brand, BrandKit } from '@roomcast/schema/api';
import { DEFAULT_BRAND_COLOR } from '@roomcast/schema/api';
import type { StorageConfig } from '../../config.ts';
import type { Tx } from '../../db/database.ts';
import { ObjectStore } from '../../storage/object-store.ts';

/** Brand images are loaded once per page; a long-lived link keeps a long show's reconnects drawing them. */
const IMAGE_URL_TTL_SECONDS = 12 * 3600;

const DEFAULT_KIT: BrandKit = { primaryColor: DEFAULT_BRAND_COLOR, nameTags: true, logoFileId: null, backgroundFileId: null, logoUrl: null, backgroundUrl: null, updatedAt: null };

/** The kit (defaults when never saved), inside a transaction scoped to `organizationId`. */
export async function loadBrandKit(tx: Tx, storage: StorageConfig | undefined, organizationId: string): Promise<BrandKit> {
  const [kit] = await tx.select().from(brandKits).where(eq(brandKits.organizationId, organizationId));
  if (!kit) return DEFAULT_KIT;
  const ids = [kit.logoFileId, kit.backgroundFileId].filter((id) => id !== null);
  const images = ids.length
    ? await tx
        .select({ id: files.id, objectKey: files.objectKey, contentType: files.contentType })
        .from(files)
        .where(and(eq(files.organizationId, organizationId), inArray(files.id, ids), eq(files.status, 'uploaded')))
    : [];
  const store = storage ? new ObjectStore(storage) : undefined;
  const url = async (id: string | null) => {
    const image = images.find((i) => i.id === id);
    return image && store ? store.presignGet(image.objectKey, { contentType: image.contentType, expiresIn: IMAGE_URL_TTL_SECONDS }) : null;
  };
  return {
    primaryColor: kit.primaryColor,
    nameTags: kit.nameTags,
    logoFileId: images.some((i) => i.id === kit.logoFileId) ? kit.logoFileId : null,
    backgroundFileId: images.some((i) => i.id === kit.backgroundFileId) ? kit.backgroundFileId : null,
    logoUrl: await url(kit.logoFileId),
    backgroundUrl: await url(kit.backgroundFileId),
    updatedAt: kit.updatedAt.toISOString(),
  };
}

/** What a room's players get: null when the organization never saved a kit. */
export async function loadBrand(tx: Tx, storage: StorageConfig | undefined, organizationId: string): Promise<Brand | null> {
  const kit = await loadBrandKit(tx, storage, organizationId);
  if (kit.updatedAt === null) return null;
  return { primaryColor: kit.primaryColor, nameTags: kit.nameTags, logoUrl: kit.logoUrl, backgroundUrl: kit.backgroundUrl };
}
