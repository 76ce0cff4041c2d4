import { RouterError } from '../errors.ts';

/** Paging arguments of every list operation. */
export interface PageRequest {
  /** Items per page (`maxpagesize`), 1–1000; default 100. */
  readonly maxpagesize?: number | undefined;
  /** The token from the previous page's `nextPageToken`. */
  readonly pageToken?: string | undefined;
}

export interface Page<T> {
  readonly value: T[];
  /** Present when more items follow; pass it back as `pageToken` (REST turns it into `nextLink`). */
  readonly nextPageToken?: string | undefined;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/**
 * One page of `items` (already filtered, in a stable order). The token is the offset into that order, so a page
 * never repeats an item unless items before it were deleted meanwhile.
 */
export function paginate<S, T>(items: Iterable<S>, request: PageRequest, render: (item: S) => T): Page<T> {
  const size = request.maxpagesize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
    throw new RouterError('InvalidRequest', `maxpagesize must be an integer from 1 to ${MAX_PAGE_SIZE}`, 'maxpagesize');
  const offset = request.pageToken === undefined ? 0 : decodeToken(request.pageToken);
  const value: T[] = [];
  let index = 0;
  for (const item of items) {
    if (index++ < offset) continue;
    if (value.length === size) return { value, nextPageToken: Buffer.from(String(offset + size)).toString('base64url') };
    value.push(render(item));
  }
  return { value };
}

function decodeToken(token: string): number {
  const decoded = Buffer.from(token, 'base64url').toString();
  const offset = Number(decoded);
  if (!/^\d+$/.test(decoded) || !Number.isSafeInteger(offset)) throw new RouterError('InvalidRequest', 'the page token is not valid', 'pageToken');
  return offset;
}

/** Keeps the items of `source` that pass `keep`, lazily. */
export function* where<T>(source: Iterable<T>, keep: (item: T) => boolean): Generator<T> {
  for (const item of source) if (keep(item)) yield item;
}
