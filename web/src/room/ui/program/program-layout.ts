// Where each stage tile goes on the program canvas: the same layouts StageView draws with CSS
// (solo, side by side, grid, spotlight + thumbnails, screen with the speaker in picture-in-picture),
// as rectangles in program pixels. Pure, so the geometry is tested without a browser.
import type { Layout } from '@roomcast/schema/protocol';
import type { StageTile } from '../StageView';

/** The program's fixed size and top rate (it follows its sources below that): what recordings (and egress) carry. */
export const PROGRAM_SIZE = { width: 1280, height: 720 } as const;
export const PROGRAM_FPS = 30;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Placed {
  tile: StageTile;
  rect: Rect;
  /** Which of the tile's tracks to draw first (the other is the fallback). */
  prefer: 'camera' | 'screen';
}

/** The gap between tiles, as StageView's `gap-1` (4 CSS px) on a 1280 px picture. */
const GAP = 4;

function row(tiles: StageTile[], area: Rect, tileWidth: number): Placed[] {
  return tiles.map((tile, i) => ({ tile, prefer: 'camera', rect: { x: area.x + i * (tileWidth + GAP), y: area.y, w: tileWidth, h: area.h } }));
}

export function programLayout(tiles: StageTile[], layout: Layout, spotlight: string | null, size: { width: number; height: number } = PROGRAM_SIZE): Placed[] {
  const { width: W, height: H } = size;
  const main = tiles.find((t) => t.identity === spotlight) ?? tiles[0];
  if (!main) return [];
  const full: Rect = { x: 0, y: 0, w: W, h: H };
  switch (layout) {
    case 'solo':
      return [{ tile: main, rect: full, prefer: 'camera' }];
    case 'side_by_side':
      return row(tiles.slice(0, 2), full, (W - GAP) / 2);
    case 'spotlight': {
      const others = tiles.filter((t) => t !== main);
      if (others.length === 0) return [{ tile: main, rect: full, prefer: 'camera' }];
      const thumbH = H / 4;
      const top: Placed = { tile: main, prefer: 'camera', rect: { x: 0, y: 0, w: W, h: H - thumbH - GAP } };
      return [top, ...row(others, { x: 0, y: H - thumbH, w: W, h: thumbH }, (thumbH * 16) / 9)];
    }
    case 'screen_pip': {
      const sharing = tiles.find((t) => t.screen) ?? main;
      const placed: Placed[] = [{ tile: sharing, rect: full, prefer: 'screen' }];
      if (sharing.screen && sharing.camera) {
        const w = W / 4;
        const h = (w * 9) / 16;
        placed.push({ tile: { ...sharing, screen: undefined }, prefer: 'camera', rect: { x: W - 8 - w, y: H - 56 - h, w, h } });
      }
      return placed;
    }
    case 'grid': {
      const cols = Math.max(1, Math.ceil(Math.sqrt(tiles.length)));
      const rows = Math.ceil(tiles.length / cols);
      const w = (W - GAP * (cols - 1)) / cols;
      const h = (H - GAP * (rows - 1)) / rows;
      return tiles.map((tile, i) => ({ tile, prefer: 'camera', rect: { x: (i % cols) * (w + GAP), y: Math.floor(i / cols) * (h + GAP), w, h } }));
    }
  }
}

/** The largest rectangle of the source's aspect ratio inside `rect`, centred (CSS object-fit: contain). */
export function containRect(sourceWidth: number, sourceHeight: number, rect: Rect): Rect {
  if (sourceWidth <= 0 || sourceHeight <= 0) return rect;
  const scale = Math.min(rect.w / sourceWidth, rect.h / sourceHeight);
  const w = sourceWidth * scale;
  const h = sourceHeight * scale;
  return { x: rect.x + (rect.w - w) / 2, y: rect.y + (rect.h - h) / 2, w, h };
}
