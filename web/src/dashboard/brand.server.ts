'use server';
// The studio brand kit through the API. Images go from the browser straight to the object store,
// like every upload: the API declares the file and signs a PUT (step 1), the browser sends the
// bytes, then the store's answer confirms them and the kit uses the image (step 2).
import { BRAND_IMAGE_TYPES, BrandKitInput } from '@roomcast/schema/api';
import { api, apiPath } from '~/server/api';
import { BrandKitResponse, FileCompleted, FileCreated } from '~/server/api-responses';
import { failure, parseForm } from '~/server/forms';
import { requireOrganization } from './organization.server';

/** A logo or background larger than this is refused before anything is signed. */
const MAX_BRAND_IMAGE_BYTES = 5 * 1024 * 1024;

const kitPath = (organizationId: unknown) => apiPath`/organizations/${organizationId}/brand-kit`;

export async function loadBrandKit(slug: string) {
  const { organization } = await requireOrganization(slug);
  return api.get(kitPath(organization.id), BrandKitResponse);
}

/** Colour and name tags; an image stays unless its "remove" box is ticked. */
export async function saveBrandKit(form: FormData) {
  try {
    const organizationId = form.get('organizationId');
    const current = await api.get(kitPath(organizationId), BrandKitResponse);
    const input = parseForm(BrandKitInput, {
      logoFileId: form.get('removeLogo') === 'on' ? null : current.logoFileId,
      backgroundFileId: form.get('removeBackground') === 'on' ? null : current.backgroundFileId,
      primaryColor: form.get('primaryColor'),
      nameTags: form.get('nameTags') === 'on',
    });
    await api.put(kitPath(organizationId), BrandKitResponse, input);
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}

export async function startBrandImageUpload(organizationId: string, image: { name: string; contentType: string; sizeBytes: number }) {
  try {
    if (!(BRAND_IMAGE_TYPES as readonly string[]).includes(image.contentType)) {
      return { ok: false as const, code: 'invalid_brand_image', message: 'Choose a PNG, JPEG, WebP or GIF image.', fields: {} };
    }
    if (image.sizeBytes > MAX_BRAND_IMAGE_BYTES) {
      return { ok: false as const, code: 'file_too_large', message: 'Brand images may be at most 5 MiB.', fields: {} };
    }
    const created = await api.post(apiPath`/organizations/${organizationId}/files`, FileCreated, image);
    if (created.upload.kind !== 'single') throw new Error('a brand image is uploaded in one PUT');
    return { ok: true as const, fileId: created.file.id, url: created.upload.url, headers: created.upload.headers };
  } catch (error) {
    return failure(error);
  }
}

export async function finishBrandImageUpload(organizationId: string, slot: 'logo' | 'background', fileId: string) {
  try {
    await api.post(apiPath`/organizations/${organizationId}/files/${fileId}/complete`, FileCompleted, {});
    const current = await api.get(kitPath(organizationId), BrandKitResponse);
    const kit = await api.put(kitPath(organizationId), BrandKitResponse, {
      logoFileId: slot === 'logo' ? fileId : current.logoFileId,
      backgroundFileId: slot === 'background' ? fileId : current.backgroundFileId,
      primaryColor: current.primaryColor,
      nameTags: current.nameTags,
    });
    return { ok: true as const, kit };
  } catch (error) {
    return failure(error);
  }
}
