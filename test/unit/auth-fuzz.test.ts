import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signRequest, verifyHmacRequest, type RequestHeaders } from '../../src/auth/hmac.ts';
import { issueWorkerToken, verifyBearer } from '../../src/auth/tokens.ts';

const KEY = Buffer.from('switchboard test access key, 32b').toString('base64');
const NOW = Date.parse('2024-05-06T07:08:09.000Z');
const DATE = new Date(NOW).toUTCString();
const EMPTY_HASH = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

/** Any text, including lone surrogates and control characters a hostile client might send. */
const anyText = fc.string({ unit: 'binary', maxLength: 200 });
const headerValue = fc.oneof(anyText, fc.array(anyText, { maxLength: 3 }), fc.constant(undefined));
const base64Digest = fc.stringMatching(/^[A-Za-z0-9+/]{43}=$/);

describe('hostile input', () => {
  it('random headers, methods, targets and bodies never throw and never verify', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(anyText, fc.constantFrom('authorization', 'Authorization', 'host', 'x-ms-date', 'date', 'x-ms-content-sha256')),
          headerValue,
        ),
        anyText,
        anyText,
        fc.option(fc.oneof(anyText, fc.uint8Array({ maxLength: 64 })), { nil: undefined }),
        (headers, method, pathAndQuery, body) => {
          const outcome = verifyHmacRequest({ method, pathAndQuery, headers, body, accessKey: KEY, now: NOW });
          expect(outcome.ok).toBe(false);
        },
      ),
    );
  });

  it('a genuine request with any part swapped for hostile text never throws, and verifies only when unaltered', () => {
    const url = 'http://127.0.0.1:8080/routing/workers/w1:accept?api-version=2023-11-01';
    const body = '{"offerId":"o1"}';
    const signed = signRequest({ method: 'POST', url, body, accessKey: KEY, date: new Date(NOW) });
    const genuine: Record<string, string> = {
      method: 'POST',
      pathAndQuery: '/routing/workers/w1:accept?api-version=2023-11-01',
      body,
      host: '127.0.0.1:8080',
      ...signed,
    };
    // Each part is kept genuine half the time, so the all-genuine case is reached too.
    const part = (name: string) => fc.option(anyText, { nil: genuine[name] ?? '', freq: 2 });
    fc.assert(
      fc.property(
        fc.record(Object.fromEntries(Object.keys(genuine).map((name) => [name, part(name)]))),
        (request) => {
          const { method = '', pathAndQuery = '', body: sent, ...headers } = request;
          const outcome = verifyHmacRequest({ method, pathAndQuery, headers, body: sent, accessKey: KEY, now: NOW });
          const unaltered = Object.keys(genuine).every((name) =>
            name === 'method' ? method.toUpperCase() === genuine['method'] : request[name] === genuine[name],
          );
          expect(outcome.ok).toBe(unaltered);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a well-formed request with a guessed signature never verifies', () => {
    fc.assert(
      fc.property(base64Digest, anyText, anyText, (signature, host, pathAndQuery) => {
        const headers: RequestHeaders = {
          host,
          'x-ms-date': DATE,
          'x-ms-content-sha256': EMPTY_HASH,
          authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
        };
        expect(verifyHmacRequest({ method: 'GET', pathAndQuery, headers, accessKey: KEY, now: NOW })).toEqual({
          ok: false,
          reason: 'badSignature',
        });
      }),
    );
  });

  it('random bearer tokens never throw and never verify', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          fc.tuple(fc.base64String(), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)).map(([p, m]) => `sbw1.${p}.${m}`),
        ),
        (token) => {
          expect(verifyBearer(token, KEY, NOW).ok).toBe(false);
        },
      ),
    );
  });

  it('changing any one character of a genuine worker token makes it fail', () => {
    const token = issueWorkerToken({ workerId: 'worker-a', accessKey: KEY, expiresAt: NOW + 60_000 });
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), (at, ch) => {
        fc.pre(token[at] !== ch);
        const mutated = token.slice(0, at) + ch + token.slice(at + 1);
        expect(verifyBearer(mutated, KEY, NOW).ok).toBe(false);
      }),
    );
  });
});

describe('genuine requests', () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);
  it('every signed request verifies, whatever its method, target, body and time within the window', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'put', 'Patch', 'DELETE', 'POST'),
        fc.array(segment, { maxLength: 4 }),
        fc.array(fc.tuple(segment, fc.string({ maxLength: 10 })), { maxLength: 3 }),
        fc.option(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 100 }), fc.uint8Array({ maxLength: 100 })), {
          nil: undefined,
        }),
        fc.integer({ min: -15 * 60, max: 15 * 60 }),
        (method, segments, params, body, skewSeconds) => {
          const url = new URL(`http://127.0.0.1:8080/${segments.join('/')}`);
          for (const [name, value] of params) url.searchParams.append(name, value);
          const headers = signRequest({ method, url, body, accessKey: KEY, date: new Date(NOW) });
          const outcome = verifyHmacRequest({
            method: method.toUpperCase(),
            pathAndQuery: url.pathname + url.search,
            headers: { ...headers, host: url.host },
            body,
            accessKey: KEY,
            now: NOW + skewSeconds * 1000,
          });
          expect(outcome).toEqual({ ok: true });
        },
      ),
    );
  });
});
