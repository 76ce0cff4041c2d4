import type { IncomingMessage } from 'node:http';
import { RouterError } from '../../errors.ts';
import { isPlainObject } from '../../protocol/merge-patch.ts';

/** Default largest request body: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Deepest JSON nesting accepted; the deepest legitimate body (a classification policy with rules) is under 10. */
export const MAX_JSON_DEPTH = 64;

/** What {@link readBody} found: the whole body, a body over the limit, or a client that went away. */
export type BodyOutcome =
  | { readonly kind: 'complete'; readonly body: Buffer }
  | { readonly kind: 'tooLarge' }
  | { readonly kind: 'aborted' };

/**
 * Reads a request body of at most `limit` bytes. A declared `Content-Length` over the limit is refused before
 * anything is read; otherwise bytes are counted as they arrive and collection stops at the limit. What follows is
 * consumed and dropped, never buffered, so the connection can still carry the 413 back.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<BodyOutcome> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    return Promise.resolve({ kind: 'tooLarge' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        request.off('data', onData);
        request.resume();
        resolve({ kind: 'tooLarge' });
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolve({ kind: 'complete', body: Buffer.concat(chunks) }));
    // After 'end' these do nothing: a promise settles once.
    request.on('close', () => resolve({ kind: 'aborted' }));
    request.on('error', () => resolve({ kind: 'aborted' }));
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a JSON body that must be an object. Invalid UTF-8 or JSON is `InvalidJson`; anything but an object, or
 * nesting deeper than {@link MAX_JSON_DEPTH} (which recursive consumers such as merge patch could not survive), is
 * `InvalidRequest`.
 */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch {
    throw new RouterError('InvalidJson', 'the body is not well-formed JSON', 'body');
  }
  if (!isPlainObject(value))
    throw new RouterError('InvalidRequest', 'the body must be a JSON object', 'body');
  if (depthExceeds(value, MAX_JSON_DEPTH))
    throw new RouterError('InvalidRequest', `the body nests deeper than ${MAX_JSON_DEPTH} levels`, 'body');
  return value;
}

/** Iterative, so a hostile depth cannot overflow the stack here either. */
function depthExceeds(root: object, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.depth > limit) return true;
    if (typeof item.value !== 'object' || item.value === null) continue;
    for (const child of Object.values(item.value)) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: item.depth + 1 });
  }
  return false;
}
