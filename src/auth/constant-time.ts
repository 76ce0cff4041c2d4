import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two strings without leaking, through timing, where they differ or how long the secret one is.
 *
 * Both sides are hashed first: `timingSafeEqual` needs equal byte lengths (and throws otherwise), while the
 * inputs here are attacker-chosen and may differ in length or in UTF-8 width even at equal `.length`.
 *
 * @param a - one string, typically the value the client sent
 * @param b - the other, typically the value the server expects
 * @returns `true` exactly when the strings are equal
 */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
