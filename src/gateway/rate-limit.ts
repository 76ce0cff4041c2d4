/**
 * Per-client token buckets for the gateway.
 *
 * @module
 */

/**
 * Whose budget a request is charged to: a worker token's worker, otherwise the remote address. REST and WebSocket
 * use the same key, so a client cannot double its rate by using both.
 */
export function rateKey(principal: { readonly kind: string; readonly workerId?: string } | undefined, remoteAddress: string | undefined): string {
  return principal?.kind === 'worker' && principal.workerId !== undefined ? `worker:${principal.workerId}` : `address:${remoteAddress}`;
}

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Largest burst: a bucket holds at most this many requests. A positive integer. */
  readonly capacity: number;
  /** Sustained rate: requests added back to a bucket per second. Positive. */
  readonly refillPerSecond: number;
  /** Clock in milliseconds; injected so tests control time. */
  readonly now: () => number;
}

/**
 * Azure's documented Job Router limit, "General Requests, per resource: 1000 requests per 10 seconds", as a
 * token bucket: bursts of 1000, refilled at 100 a second.
 */
export const AZURE_JOB_ROUTER_RATE_LIMIT = { capacity: 1000, refillPerSecond: 100 } as const;

/**
 * Unforgiven throttled requests after which a WebSocket connection is closed (4029): a client that keeps sending
 * without heeding the retry delay costs the server as much in refusals as it would in requests. Far more than a
 * client that reads its answers sends before it reads the first refusal.
 */
export const THROTTLED_BEFORE_CLOSE = 1000;

/**
 * Throttled requests that one allowed request forgives. Not all of them: a flood gets a request through each time
 * the bucket refills, so forgiving everything at once would never close a client sending at many times its rate.
 * A client is closed only while it sends at more than about this many times its rate, ignoring the refusals.
 */
export const THROTTLED_FORGIVEN_PER_ALLOWED = 20;

/** The result of {@link RateLimiter.take}: allowed, or refused with the wait until one request is available. */
export type TakeOutcome = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

interface Bucket {
  /**
   * Tokens in thousandths: refilling adds `elapsedMs × refillPerSecond` and a request costs 1000, so integer
   * clocks and rates never accumulate floating-point error.
   */
  milliTokens: number;
  touchedAt: number;
}

const MILLI = 1000;

/**
 * A token bucket per client key (an IP address, a principal, …).
 *
 * A bucket left alone long enough to refill completely is indistinguishable from a new one, so it is dropped;
 * memory is bounded by the number of keys seen within one full-refill period (10 s with
 * {@link AZURE_JOB_ROUTER_RATE_LIMIT}), however many distinct keys come and go.
 */
export class RateLimiter {
  readonly #capacityMilli: number;
  readonly #refillPerSecond: number;
  readonly #now: () => number;
  /** Time for an empty bucket to refill completely; a bucket idle this long is full. */
  readonly #fullAfterMs: number;
  /** Insertion order is kept equal to last-touched order, so idle buckets are always at the front. */
  readonly #buckets = new Map<string, Bucket>();

  /**
   * @param options - capacity, refill rate and clock
   * @throws RangeError when `capacity` is not a positive integer or `refillPerSecond` not a positive finite number
   */
  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError('RateLimiter: capacity must be a positive integer');
    }
    if (!Number.isFinite(options.refillPerSecond) || options.refillPerSecond <= 0) {
      throw new RangeError('RateLimiter: refillPerSecond must be a positive finite number');
    }
    this.#capacityMilli = options.capacity * MILLI;
    this.#refillPerSecond = options.refillPerSecond;
    this.#now = options.now;
    this.#fullAfterMs = Math.ceil(this.#capacityMilli / options.refillPerSecond);
  }

  /**
   * Takes one request from `key`'s bucket.
   *
   * @param key - the client the request is charged to
   * @returns `{ ok: true }`, or `{ ok: false, retryAfterMs }` with the wait until a request would be allowed
   */
  take(key: string): TakeOutcome {
    const now = this.#now();
    this.#evictFull(now);

    const bucket = this.#buckets.get(key);
    let milliTokens = this.#capacityMilli;
    let touchedAt = now;
    if (bucket !== undefined) {
      // A clock stepping backwards refills nothing rather than refilling the same interval twice.
      touchedAt = Math.max(now, bucket.touchedAt);
      milliTokens = Math.min(
        this.#capacityMilli,
        bucket.milliTokens + (touchedAt - bucket.touchedAt) * this.#refillPerSecond,
      );
      this.#buckets.delete(key);
    }

    const allowed = milliTokens >= MILLI;
    this.#buckets.set(key, { milliTokens: allowed ? milliTokens - MILLI : milliTokens, touchedAt });
    return allowed ? { ok: true } : { ok: false, retryAfterMs: Math.ceil((MILLI - milliTokens) / this.#refillPerSecond) };
  }

  /** Number of buckets held; exposed so memory use can be observed and tested. */
  get size(): number {
    return this.#buckets.size;
  }

  #evictFull(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.touchedAt < this.#fullAfterMs) {
        return;
      }
      this.#buckets.delete(key);
    }
  }
}
