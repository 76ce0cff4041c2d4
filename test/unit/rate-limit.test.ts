import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AZURE_JOB_ROUTER_RATE_LIMIT, RateLimiter } from '../../src/gateway/rate-limit.ts';

function limiter(capacity: number, refillPerSecond: number) {
  const clock = { ms: 1_000_000 };
  const rateLimiter = new RateLimiter({ capacity, refillPerSecond, now: () => clock.ms });
  return { rateLimiter, clock };
}

function takeMany(rateLimiter: RateLimiter, key: string, count: number): number {
  let allowed = 0;
  for (let i = 0; i < count; i++) if (rateLimiter.take(key).ok) allowed++;
  return allowed;
}

describe('RateLimiter', () => {
  it('allows a burst up to capacity, then refuses with the wait until the next token', () => {
    const { rateLimiter } = limiter(5, 10);
    expect(takeMany(rateLimiter, 'client', 5)).toBe(5);
    expect(rateLimiter.take('client')).toEqual({ ok: false, retryAfterMs: 100 });
  });

  it('refills at refillPerSecond, and retryAfterMs counts down to the refill', () => {
    const { rateLimiter, clock } = limiter(5, 10);
    takeMany(rateLimiter, 'client', 5);
    clock.ms += 99;
    expect(rateLimiter.take('client')).toEqual({ ok: false, retryAfterMs: 1 });
    clock.ms += 1;
    expect(rateLimiter.take('client')).toEqual({ ok: true });
    expect(rateLimiter.take('client')).toEqual({ ok: false, retryAfterMs: 100 });
    clock.ms += 300;
    expect(takeMany(rateLimiter, 'client', 10)).toBe(3);
  });

  it('never refills beyond capacity, however long a client is idle', () => {
    const { rateLimiter, clock } = limiter(5, 10);
    rateLimiter.take('client');
    clock.ms += 3_600_000;
    expect(takeMany(rateLimiter, 'client', 10)).toBe(5);
  });

  it('keeps a separate bucket per key', () => {
    const { rateLimiter } = limiter(2, 1);
    expect(takeMany(rateLimiter, 'a', 3)).toBe(2);
    expect(takeMany(rateLimiter, 'b', 3)).toBe(2);
  });

  it('refills nothing when the clock steps backwards, and does not count the interval twice', () => {
    const { rateLimiter, clock } = limiter(2, 10);
    takeMany(rateLimiter, 'client', 2);
    clock.ms -= 5_000;
    expect(rateLimiter.take('client')).toEqual({ ok: false, retryAfterMs: 100 });
    clock.ms += 5_000 + 100;
    expect(takeMany(rateLimiter, 'client', 2)).toBe(1);
  });

  it('evicts buckets idle long enough to be full, so memory stays bounded with many distinct keys', () => {
    const { rateLimiter, clock } = limiter(10, 5); // an empty bucket is full again after 2 s
    for (let i = 0; i < 10_000; i++) rateLimiter.take(`client-${i}`);
    expect(rateLimiter.size).toBe(10_000);

    clock.ms += 1_999;
    rateLimiter.take('late');
    expect(rateLimiter.size).toBe(10_001);

    clock.ms += 1;
    rateLimiter.take('late');
    expect(rateLimiter.size).toBe(1);
  });

  it('keeps distinct keys arriving at a steady rate to those seen within one refill period', () => {
    const { rateLimiter, clock } = limiter(10, 5);
    let largest = 0;
    for (let i = 0; i < 50_000; i++) {
      clock.ms += 1;
      rateLimiter.take(`client-${i}`);
      largest = Math.max(largest, rateLimiter.size);
    }
    expect(largest).toBe(2_000);
  });

  it('does not forget a drained bucket before it has refilled', () => {
    const { rateLimiter, clock } = limiter(10, 5);
    takeMany(rateLimiter, 'drained', 10);
    clock.ms += 1_000;
    for (let i = 0; i < 100; i++) rateLimiter.take(`other-${i}`);
    expect(takeMany(rateLimiter, 'drained', 10)).toBe(5);
  });

  it("uses Azure's Job Router limit as the documented default: 1000 requests per 10 s", () => {
    expect(AZURE_JOB_ROUTER_RATE_LIMIT).toEqual({ capacity: 1000, refillPerSecond: 100 });
    const { rateLimiter, clock } = limiter(AZURE_JOB_ROUTER_RATE_LIMIT.capacity, AZURE_JOB_ROUTER_RATE_LIMIT.refillPerSecond);
    expect(takeMany(rateLimiter, 'client', 1001)).toBe(1000);
    expect(rateLimiter.take('client')).toEqual({ ok: false, retryAfterMs: 10 });
    clock.ms += 10_000;
    expect(takeMany(rateLimiter, 'client', 1001)).toBe(1000);
  });

  it('never allows more than capacity plus what the elapsed time refills', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.record({ advanceMs: fc.nat({ max: 500 }), key: fc.constantFrom('a', 'b') }), { maxLength: 300 }),
        (capacity, refillPerSecond, steps) => {
          const { rateLimiter, clock } = limiter(capacity, refillPerSecond);
          const start = clock.ms;
          const allowed = { a: 0, b: 0 };
          for (const { advanceMs, key } of steps) {
            clock.ms += advanceMs;
            if (rateLimiter.take(key).ok) allowed[key]++;
            const ceiling = capacity + Math.floor(((clock.ms - start) * refillPerSecond) / 1000);
            expect(allowed[key]).toBeLessThanOrEqual(ceiling);
          }
        },
      ),
    );
  });

  it.each([
    [{ capacity: 0, refillPerSecond: 1 }],
    [{ capacity: 1.5, refillPerSecond: 1 }],
    [{ capacity: 1, refillPerSecond: 0 }],
    [{ capacity: 1, refillPerSecond: Number.NaN }],
    [{ capacity: 1, refillPerSecond: Number.POSITIVE_INFINITY }],
  ])('refuses to be built with %o', (options) => {
    expect(() => new RateLimiter({ ...options, now: () => 0 })).toThrow(RangeError);
  });
});
