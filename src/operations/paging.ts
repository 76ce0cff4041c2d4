import { RouterError } from '../errors.ts';
import type { OrderedIdMap } from '../engine/ordered-ids.ts';

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
 * One page of the items of `map` that pass `keep`, in id order. The token names the last id served (a keyset, not
 * an offset), so the next page starts right after it: deleting or adding items meanwhile never repeats or skips one
 * that stayed, and the order is the same after a restart. A token is only given when a further item passes `keep`.
 */
export function paginate<S, T>(
  map: OrderedIdMap<S>,
  request: PageRequest,
  keep: (item: S, id: string) => boolean,
  render: (item: S, id: string) => T,
): Page<T> {
  const size = request.maxpagesize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE)
    throw new RouterError('InvalidRequest', `maxpagesize must be an integer from 1 to ${MAX_PAGE_SIZE}`, 'maxpagesize');
  const after = request.pageToken === undefined ? undefined : decodeToken(request.pageToken);
  const value: T[] = [];
  let lastId: string | undefined;
  for (const [id, item] of map.entriesAfter(after)) {
    if (!keep(item, id)) continue;
    if (value.length === size) return { value, nextPageToken: encodeToken(lastId!) };
    value.push(render(item, id));
    lastId = id;
  }
  return { value };
}

/** Keeps every item: for lists without filters. */
export const everything = (): boolean => true;

const TOKEN_VERSION = 1;

function encodeToken(afterId: string): string {
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, after: afterId })).toString('base64url');
}

function decodeToken(token: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString());
  } catch {
    parsed = undefined;
  }
  const { v, after } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { v?: unknown; after?: unknown };
  if (v !== TOKEN_VERSION || typeof after !== 'string')
    throw new RouterError('InvalidRequest', 'the page token is not valid; pass back a nextPageToken (or nextLink) exactly as received', 'pageToken');
  return after;
}
