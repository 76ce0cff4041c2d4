import { RouterError } from '../errors.ts';
import type { Versioned } from '../engine/engine.ts';

/** Conditional-update headers of an upsert (spec §0: only PATCH supports them). */
export interface Preconditions {
  /** `If-Match`: an etag, or `*` for "exists". */
  readonly ifMatch?: string | undefined;
  /** `If-Unmodified-Since`: an RFC 7231 date. */
  readonly ifUnmodifiedSince?: string | undefined;
}

/**
 * Throws `PreconditionFailed` unless the current version satisfies the caller's conditions. A resource that does
 * not exist fails `If-Match` (there is nothing to match) but not `If-Unmodified-Since`.
 */
export function checkPreconditions(current: Versioned | undefined, conditions: Preconditions | undefined): void {
  if (!conditions) return;
  const { ifMatch, ifUnmodifiedSince } = conditions;
  if (ifMatch !== undefined) {
    const accepted = ifMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    if (!current || !(accepted.includes('*') || accepted.includes(current.etag)))
      throw new RouterError('PreconditionFailed', 'If-Match does not match the current etag', 'If-Match');
  }
  if (ifUnmodifiedSince !== undefined && current) {
    const since = Date.parse(ifUnmodifiedSince);
    if (Number.isNaN(since)) throw new RouterError('InvalidRequest', 'If-Unmodified-Since is not a valid date', 'If-Unmodified-Since');
    // HTTP dates have whole seconds: compare at that resolution.
    if (Math.floor(current.lastModified / 1000) > Math.floor(since / 1000))
      throw new RouterError('PreconditionFailed', 'the resource was modified after If-Unmodified-Since', 'If-Unmodified-Since');
  }
}
