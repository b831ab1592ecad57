// The studio brand kit as router queries and actions.
import { action, query } from '@solidjs/router';
import { finishBrandImageUpload, loadBrandKit, saveBrandKit, startBrandImageUpload } from './brand.server';

export const getBrandKit = query(loadBrandKit, 'brand-kit');
export const saveBrandKitAction = action(saveBrandKit, 'brand-kit-save');
export const startBrandImageUploadAction = action(startBrandImageUpload, 'brand-image-start');
export const finishBrandImageUploadAction = action(finishBrandImageUpload, 'brand-image-finish');
