// The program canvas's geometry: each layout places the same tiles StageView shows, inside the
// program's fixed size, without overlaps (except the picture-in-picture), and pictures keep their shape.
import { describe, expect, it } from 'vitest';
import { LAYOUTS } from '@roomcast/schema/protocol';
import { containRect, PROGRAM_SIZE, programLayout, type Rect } from '../../src/room/ui/program/program-layout.ts';
import type { StageTile } from '../../src/room/ui/StageView.tsx';

const track = {} as MediaStreamTrack;
const tile = (identity: string, extra: Partial<StageTile> = {}): StageTile => ({ identity, name: identity, camera: track, ...extra });
const three = [tile('a'), tile('b'), tile('c')];
const inside = (r: Rect) => r.x >= 0 && r.y >= 0 && r.x + r.w <= PROGRAM_SIZE.width + 1e-6 && r.y + r.h <= PROGRAM_SIZE.height + 1e-6;
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('programLayout', () => {
  it('places who StageView shows in each layout, inside the picture, without overlaps', () => {
    const shown = Object.fromEntries(LAYOUTS.map((l) => [l, programLayout(three, l, null).map((p) => p.tile.identity)]));
    expect(shown).toEqual({ solo: ['a'], side_by_side: ['a', 'b'], grid: ['a', 'b', 'c'], spotlight: ['a', 'b', 'c'], screen_pip: ['a'] });
    for (const layout of LAYOUTS) {
      const rects = programLayout(three, layout, null).map((p) => p.rect);
      expect(rects.every(inside), layout).toBe(true);
      for (const [i, a] of rects.entries()) for (const b of rects.slice(i + 1)) expect(overlap(a, b), layout).toBe(false);
    }
  });

  it('puts the spotlight first and large; a grid of three is two columns', () => {
    const [main, ...thumbs] = programLayout(three, 'spotlight', 'c');
    expect(main!.tile.identity).toBe('c');
    expect(main!.rect.h).toBeGreaterThan(PROGRAM_SIZE.height / 2);
    expect(thumbs.map((t) => t.tile.identity)).toEqual(['a', 'b']);
    const grid = programLayout(three, 'grid', null).map((p) => p.rect);
    expect(grid[0]!.w).toBeCloseTo((PROGRAM_SIZE.width - 4) / 2);
    expect(grid[2]!.y).toBeGreaterThan(grid[0]!.y);
  });

  it('shows a shared screen full size with the sharer camera in picture-in-picture', () => {
    const placed = programLayout([tile('a'), tile('b', { screen: track })], 'screen_pip', null);
    expect(placed.map((p) => [p.tile.identity, p.prefer, p.tile.screen !== undefined])).toEqual([
      ['b', 'screen', true],
      ['b', 'camera', false],
    ]);
    expect(placed[1]!.rect.w).toBe(PROGRAM_SIZE.width / 4);
    expect(programLayout([], 'grid', null)).toEqual([]);
  });

  it('fits a picture inside its tile keeping its shape (object-fit: contain)', () => {
    expect(containRect(640, 480, { x: 0, y: 0, w: 1280, h: 720 })).toEqual({ x: 160, y: 0, w: 960, h: 720 });
    expect(containRect(1920, 1080, { x: 10, y: 10, w: 320, h: 320 })).toEqual({ x: 10, y: 80, w: 320, h: 180 });
  });
});
