/**
 * JSON merge patch (RFC 7396) as the router applies it (spec §0): an omitted property is unchanged, `null` removes
 * it (the schema's default then applies, so `priority: null` resets to 1 and `tags: null` to `{}`), objects such as
 * label and tag maps merge key by key, and arrays are replaced whole.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * Keys refused anywhere in a body. `__proto__` would set an object's prototype instead of adding a key (so a label
 * named so vanished silently); `constructor` and `prototype` are refused with it, as the other names of an object's
 * machinery, so that no label or tag map can shadow them in code that reads it.
 */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The dotted path of the first unsafe key in `value` (searched without recursion), or undefined. */
export function findUnsafeKey(value: unknown): string | undefined {
  const pending: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    for (const [key, child] of Object.entries(next.value)) {
      const path = next.path === '' ? key : `${next.path}.${key}`;
      if (UNSAFE_KEYS.has(key)) return path;
      pending.push({ value: child, path });
    }
  }
  return undefined;
}

/** True for `{…}` objects, false for arrays, null and primitives. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keeps only the keys a caller may write; read-only fields in a body (`id`, `etag`, `status`, …) are ignored. */
export function pickWritable(body: object, writable: ReadonlySet<string>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (writable.has(key)) picked[key] = value;
  return picked;
}
