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
