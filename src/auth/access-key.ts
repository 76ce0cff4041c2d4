/**
 * Decodes an access key the way the Azure SDKs do before using it as an HMAC key (`Convert.FromBase64String`,
 * `base64.b64decode`, `Buffer.from(key, 'base64')`).
 *
 * The decoding is lenient, like Node's; validate configured keys once with {@link isWellFormedAccessKey}.
 *
 * @param accessKey - the base64 access key from the connection string
 * @returns the key bytes
 */
export function decodeAccessKey(accessKey: string): Buffer {
  return Buffer.from(accessKey, 'base64');
}

/**
 * Tells whether a configured access key is canonical, non-empty base64, the form Azure issues and the form every
 * SDK decodes identically. Meant for start-up validation, so a typo is reported instead of silently producing a
 * key no client can match.
 *
 * @param accessKey - the candidate key
 * @returns `true` when the key is canonical base64 of at least one byte
 */
export function isWellFormedAccessKey(accessKey: string): boolean {
  // Re-encoding yields the canonical padded form; any stray character, missing padding or non-zero spare bits
  // make it differ from the input.
  return accessKey.length > 0 && decodeAccessKey(accessKey).toString('base64') === accessKey;
}
