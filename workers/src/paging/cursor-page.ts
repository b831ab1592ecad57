// Newest-first lists that page: `?limit=` (1-100) and `?before=` (the `nextCursor` of the page
// before). A cursor is opaque to clients: the (time, id) of the last row shown, so rows that share
// a timestamp are neither skipped nor repeated, and rows added meanwhile do not shift the pages.
import { z } from '@hono/zod-openapi';
import { desc, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { isUuid } from '../auth/tokens.ts';
import { ApiError } from '../errors.ts';

export const PAGE_LIMIT_MAX = 100;

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).optional().openapi({ description: `Rows per page (1-${PAGE_LIMIT_MAX})` }),
  before: z.string().max(200).optional().openapi({ description: 'The nextCursor of the previous page' }),
});

export interface PageCursor {
  at: Date;
  id: string;
}

export function encodeCursor(at: Date | string, id: string): string {
  const bytes = new TextEncoder().encode(`${new Date(at).toISOString()}|${id}`);
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The cursor a client sent back, or a 400 `invalid_cursor` for anything we did not make. */
export function decodeCursor(raw: string | undefined): PageCursor | undefined {
  if (raw === undefined) return undefined;
  let text = '';
  try {
    text = atob(raw.replaceAll('-', '+').replaceAll('_', '/'));
  } catch {
    // falls through to the refusal below
  }
  const [iso, id] = text.split('|');
  const at = new Date(iso ?? '');
  if (!id || !isUuid(id) || Number.isNaN(at.getTime()) || at.toISOString() !== iso) {
    throw new ApiError(400, 'invalid_cursor', '`before` must be the nextCursor of a page this list gave');
  }
  return { at, id };
}

/** Rows fetched with `limit + 1`: the page, and the cursor of the next one when there is more. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => { at: Date | string; id: string }): { rows: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const page = rows.slice(0, limit);
  const last = keyOf(page[page.length - 1]!);
  return { rows: page, nextCursor: encodeCursor(last.at, last.id) };
}

// Compared at millisecond precision, as the cursor carries it (Postgres keeps microseconds).
const msOf = (column: AnyPgColumn) => sql`date_trunc('milliseconds', ${column})`;

/** ORDER BY for a (time, id) cursor list, newest first. */
export const newestFirst = (time: AnyPgColumn, id: AnyPgColumn) => [desc(msOf(time)), desc(id)];

/** WHERE for the rows after `cursor` in newestFirst order (none: every row). */
export const olderThan = (time: AnyPgColumn, id: AnyPgColumn, cursor: PageCursor | undefined): SQL | undefined =>
  cursor ? sql`(${msOf(time)}, ${id}) < (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)` : undefined;
