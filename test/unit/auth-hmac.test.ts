import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_SKEW_MS,
  HMAC_FAILURE_REASONS,
  signRequest,
  verifyHmacRequest,
  type RequestHeaders,
  type VerifyHmacRequestInput,
} from '../../src/auth/hmac.ts';
import { isWellFormedAccessKey } from '../../src/auth/access-key.ts';

const KEY = Buffer.from('switchboard test access key, 32b').toString('base64');
const OTHER_KEY = Buffer.from('another access key of 32 bytes!!').toString('base64');
const SIGNED_AT = new Date('2024-05-06T07:08:09.000Z');
const NOW = SIGNED_AT.getTime();
const ENDPOINT = 'http://127.0.0.1:8080';
const PATH = '/routing/jobs/job-1?api-version=2023-11-01';
const BODY = JSON.stringify({ channelId: 'voice', queueId: 'q1', priority: 1 });

/** Signs like an Azure SDK client and returns what the server would receive. */
function signedRequest(overrides: Partial<VerifyHmacRequestInput> = {}): VerifyHmacRequestInput {
  const headers = signRequest({ method: 'PATCH', url: ENDPOINT + PATH, body: BODY, accessKey: KEY, date: SIGNED_AT });
  return {
    method: 'PATCH',
    pathAndQuery: PATH,
    headers: { host: '127.0.0.1:8080', 'content-type': 'application/json', ...headers },
    body: Buffer.from(BODY),
    accessKey: KEY,
    now: NOW,
    ...overrides,
  };
}

function withHeaders(change: (headers: Record<string, string | readonly string[] | undefined>) => void) {
  const request = signedRequest();
  const headers = { ...request.headers };
  change(headers);
  return { ...request, headers };
}

/** Independent oracle: the string-to-sign and HMAC exactly as the Azure SDK sources spell them. */
function sdkSignature(accessKey: string, stringToSign: string): string {
  return createHmac('sha256', Buffer.from(accessKey, 'base64')).update(stringToSign).digest('base64');
}

/** Verifies a body-less GET sent as `wire` whose signature an SDK computed over `signed` and `host`. */
function verifySdkSignedGet({ host, wire, signed }: { host: string; wire: string; signed: string }) {
  const date = SIGNED_AT.toUTCString();
  const signature = sdkSignature(KEY, `GET\n${signed}\n${date};${host};${sha256Base64('')}`);
  return verifyHmacRequest({
    method: 'GET',
    pathAndQuery: wire,
    headers: {
      host,
      'x-ms-date': date,
      'x-ms-content-sha256': sha256Base64(''),
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
    },
    accessKey: KEY,
    now: NOW,
  });
}

function sha256Base64(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

describe('Azure SDK known-answer vectors', () => {
  // Source: Azure/azure-sdk-for-js,
  // sdk/communication/communication-common/test/public/communicationKeyCredentialPolicy.spec.ts
  // (key "pw==", clock mocked to 2022-04-13T18:09:12.451Z, GET with no body).
  const vectorKey = 'pw==';
  const vectorDate = new Date('2022-04-13T18:09:12.451Z');
  const emptyBodyHash = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

  it.each([
    ['https://example.com/testPath?testQuery=test', 'DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU='],
    ['https://example.com/testPath', '+6tWkg3lNKVjQHHmxkdGQcJjUgzclsWTMebnuCz1ngU='],
  ])('signs %s exactly as the Azure JavaScript SDK test expects', (url, signature) => {
    expect(signRequest({ method: 'get', url, accessKey: vectorKey, date: vectorDate })).toEqual({
      'x-ms-date': 'Wed, 13 Apr 2022 18:09:12 GMT',
      'x-ms-content-sha256': emptyBodyHash,
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
    });
  });

  it('accepts the known-answer request as the server would receive it', () => {
    const outcome = verifyHmacRequest({
      method: 'GET',
      pathAndQuery: '/testPath?testQuery=test',
      headers: {
        host: 'example.com',
        'x-ms-date': 'Wed, 13 Apr 2022 18:09:12 GMT',
        'x-ms-content-sha256': emptyBodyHash,
        authorization:
          'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=',
      },
      accessKey: vectorKey,
      now: vectorDate.getTime(),
    });
    expect(outcome).toEqual({ ok: true });
  });
});

describe('signRequest → verifyHmacRequest round trip', () => {
  it('accepts a request signed with the same key', () => {
    expect(verifyHmacRequest(signedRequest())).toEqual({ ok: true });
  });

  it('hashes string and byte bodies identically (UTF-8)', () => {
    const text = '{"labels":{"language":"français 😀"}}';
    const fromString = signRequest({ method: 'PUT', url: ENDPOINT + PATH, body: text, accessKey: KEY, date: SIGNED_AT });
    const fromBytes = signRequest({
      method: 'PUT',
      url: ENDPOINT + PATH,
      body: new TextEncoder().encode(text),
      accessKey: KEY,
      date: SIGNED_AT,
    });
    expect(fromBytes).toEqual(fromString);
    expect(fromString['x-ms-content-sha256']).toBe(sha256Base64(text));
  });

  it('signs the non-default port as part of the host, and the default port not at all', () => {
    const at = (url: string) =>
      signRequest({ method: 'GET', url, accessKey: KEY, date: SIGNED_AT }).authorization?.split('Signature=')[1];
    const stringToSign = (host: string) => `GET\n/routing/queues\n${SIGNED_AT.toUTCString()};${host};${sha256Base64('')}`;
    expect(at('http://127.0.0.1:8080/routing/queues')).toBe(sdkSignature(KEY, stringToSign('127.0.0.1:8080')));
    expect(at('https://example.com:443/routing/queues')).toBe(sdkSignature(KEY, stringToSign('example.com')));
  });

  it('accepts a method received in any case, since every SDK signs it upper-cased', () => {
    expect(verifyHmacRequest(signedRequest({ method: 'patch' }))).toEqual({ ok: true });
  });

  it('matches header names case-insensitively', () => {
    const request = signedRequest();
    const headers: RequestHeaders = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name.toUpperCase(), value]),
    );
    expect(verifyHmacRequest({ ...request, headers })).toEqual({ ok: true });
  });

  it("takes Node's IncomingHttpHeaders as they are", () => {
    const request = signedRequest();
    const headers: IncomingHttpHeaders = { ...(request.headers as Record<string, string>), 'set-cookie': ['a=b'] };
    expect(verifyHmacRequest({ ...request, headers })).toEqual({ ok: true });
  });

  it('accepts the date in the Date header when SignedHeaders names date', () => {
    const signed = signRequest({ method: 'GET', url: ENDPOINT + PATH, accessKey: KEY, date: SIGNED_AT });
    const date = signed['x-ms-date'] ?? '';
    const signature = sdkSignature(KEY, `GET\n${PATH}\n${date};127.0.0.1:8080;${sha256Base64('')}`);
    const outcome = verifyHmacRequest({
      method: 'GET',
      pathAndQuery: PATH,
      headers: {
        host: '127.0.0.1:8080',
        date,
        'x-ms-content-sha256': sha256Base64(''),
        authorization: `HMAC-SHA256 SignedHeaders=date;host;x-ms-content-sha256&Signature=${signature}`,
      },
      accessKey: KEY,
      now: NOW,
    });
    expect(outcome).toEqual({ ok: true });
  });

  it('accepts what the .NET SDK sends: Date and x-ms-date both, x-ms-date signed', () => {
    const request = signedRequest();
    expect(verifyHmacRequest({ ...request, headers: { ...request.headers, date: SIGNED_AT.toUTCString() } })).toEqual({
      ok: true,
    });
  });

  it('accepts the JavaScript SDK signing and sending the port twice (url.host already carries it)', () => {
    // communicationAccessKeyCredentialPolicy.ts builds `${url.host}:${port}` and sets Host to it in Node.
    const doubled = '127.0.0.1:8080:8080';
    expect(verifySdkSignedGet({ host: doubled, wire: PATH, signed: PATH })).toEqual({ ok: true });
  });

  it('accepts the JavaScript SDK signing the query as URLSearchParams re-serializes it', () => {
    const wire = '/routing/jobs?scheduledBefore=2024-05-06T07:00:00Z&queueId=a b&api-version=2023-11-01';
    const signedForm = '/routing/jobs?scheduledBefore=2024-05-06T07%3A00%3A00Z&queueId=a+b&api-version=2023-11-01';
    expect(verifySdkSignedGet({ host: '127.0.0.1:8080', wire, signed: signedForm })).toEqual({ ok: true });
  });

  it('uses a 15-minute default window', () => {
    expect(DEFAULT_MAX_SKEW_MS).toBe(15 * 60 * 1000);
  });
});

describe('verifyHmacRequest refuses', () => {
  it('a request signed with another key: badSignature', () => {
    expect(verifyHmacRequest(signedRequest({ accessKey: OTHER_KEY }))).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('a tampered body: badContentHash', () => {
    expect(verifyHmacRequest(signedRequest({ body: BODY.replace('"priority":1', '"priority":9') }))).toEqual({
      ok: false,
      reason: 'badContentHash',
    });
  });

  it('a tampered body whose hash header was recomputed to match: badSignature', () => {
    const body = BODY.replace('"priority":1', '"priority":9');
    expect(
      verifyHmacRequest({ ...withHeaders((h) => (h['x-ms-content-sha256'] = sha256Base64(body))), body }),
    ).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('a missing body when one was signed: badContentHash', () => {
    expect(verifyHmacRequest(signedRequest({ body: undefined }))).toEqual({ ok: false, reason: 'badContentHash' });
  });

  it.each([
    ['another resource', '/routing/jobs/job-2?api-version=2023-11-01'],
    ['another query', '/routing/jobs/job-1?api-version=2021-10-20'],
    ['a dropped query', '/routing/jobs/job-1'],
    ['a trailing slash', '/routing/jobs/job-1/?api-version=2023-11-01'],
  ])('a tampered path (%s): badSignature', (_, pathAndQuery) => {
    expect(verifyHmacRequest(signedRequest({ pathAndQuery }))).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('another method: badSignature', () => {
    expect(verifyHmacRequest(signedRequest({ method: 'DELETE' }))).toEqual({ ok: false, reason: 'badSignature' });
  });

  it('another host: badSignature', () => {
    expect(verifyHmacRequest(withHeaders((h) => (h['host'] = '127.0.0.1:9090')))).toEqual({
      ok: false,
      reason: 'badSignature',
    });
  });

  it('a date changed within the window: badSignature', () => {
    const later = new Date(NOW + 60_000).toUTCString();
    expect(verifyHmacRequest(withHeaders((h) => (h['x-ms-date'] = later)))).toEqual({
      ok: false,
      reason: 'badSignature',
    });
  });

  it.each(['authorization', 'host', 'x-ms-content-sha256', 'x-ms-date'])('a request without %s: missingHeaders', (name) => {
    expect(verifyHmacRequest(withHeaders((h) => delete h[name]))).toEqual({ ok: false, reason: 'missingHeaders' });
  });

  it('a request signed with SignedHeaders=date but without a Date header: missingHeaders', () => {
    const request = withHeaders((h) => {
      h['authorization'] = String(h['authorization']).replace('SignedHeaders=x-ms-date;', 'SignedHeaders=date;');
    });
    expect(verifyHmacRequest(request)).toEqual({ ok: false, reason: 'missingHeaders' });
  });

  it.each([
    ['older than 15 minutes', NOW + DEFAULT_MAX_SKEW_MS + 1000],
    ['more than 15 minutes in the future', NOW - DEFAULT_MAX_SKEW_MS - 1000],
  ])('a date %s: staleDate', (_, now) => {
    expect(verifyHmacRequest(signedRequest({ now }))).toEqual({ ok: false, reason: 'staleDate' });
  });

  it('accepts dates at the edge of the window, and honours maxSkewMs', () => {
    expect(verifyHmacRequest(signedRequest({ now: NOW + DEFAULT_MAX_SKEW_MS }))).toEqual({ ok: true });
    expect(verifyHmacRequest(signedRequest({ now: NOW - DEFAULT_MAX_SKEW_MS }))).toEqual({ ok: true });
    expect(verifyHmacRequest(signedRequest({ now: NOW + 61_000, maxSkewMs: 60_000 }))).toEqual({
      ok: false,
      reason: 'staleDate',
    });
  });

  const signature = sdkSignature(KEY, 'anything');
  it.each([
    ['another scheme', `Bearer ${KEY}`],
    ['no scheme', `SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`],
    ['no SignedHeaders', `HMAC-SHA256 Signature=${signature}`],
    ['no Signature', 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256'],
    ['reordered SignedHeaders', `HMAC-SHA256 SignedHeaders=host;x-ms-date;x-ms-content-sha256&Signature=${signature}`],
    ['too few SignedHeaders', `HMAC-SHA256 SignedHeaders=x-ms-date;host&Signature=${signature}`],
    ['a 31-byte signature', `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${Buffer.alloc(31).toString('base64')}`],
    ['a 33-byte signature', `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${Buffer.alloc(33).toString('base64')}`],
    ['an unpadded signature', `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature.slice(0, -1)}`],
    ['a base64url signature', `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${'_'.repeat(43)}=`],
    ['trailing parameters', `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}&x=1`],
    ['an empty value', ''],
    ['a huge value', `HMAC-SHA256 SignedHeaders=${'x'.repeat(5000)}&Signature=${signature}`],
  ])('an Authorization header with %s: malformed', (_, authorization) => {
    expect(verifyHmacRequest(withHeaders((h) => (h['authorization'] = authorization)))).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it.each([
    ['an ISO 8601 date', SIGNED_AT.toISOString()],
    ['a loose date Date.parse accepts', 'May 6, 2024 07:08:09 GMT'],
    ['a wrong weekday', 'Tue, 06 May 2024 07:08:09 GMT'],
    ['an impossible day', 'Fri, 31 Feb 2024 07:08:09 GMT'],
    ['not a date', 'yesterday'],
  ])('an x-ms-date with %s: malformed', (_, date) => {
    expect(verifyHmacRequest(withHeaders((h) => (h['x-ms-date'] = date)))).toEqual({ ok: false, reason: 'malformed' });
  });

  it.each([
    ['hex instead of base64', createHash('sha256').update(BODY).digest('hex')],
    ['a 20-byte digest', Buffer.alloc(20).toString('base64')],
  ])('an x-ms-content-sha256 with %s: malformed', (_, hash) => {
    expect(verifyHmacRequest(withHeaders((h) => (h['x-ms-content-sha256'] = hash)))).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('a header sent twice: malformed', () => {
    const request = signedRequest();
    const date = String(request.headers['x-ms-date']);
    expect(verifyHmacRequest(withHeaders((h) => (h['x-ms-date'] = [date, date])))).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyHmacRequest(withHeaders((h) => (h['X-MS-DATE'] = date)))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('only ever gives reasons from the published set', () => {
    expect(HMAC_FAILURE_REASONS).toEqual(['missingHeaders', 'malformed', 'badContentHash', 'staleDate', 'badSignature']);
  });
});

describe('signRequest input errors', () => {
  it('throws on a relative URL and on an invalid date, since those are programming errors', () => {
    expect(() => signRequest({ method: 'GET', url: '/routing/jobs', accessKey: KEY, date: SIGNED_AT })).toThrow(TypeError);
    expect(() => signRequest({ method: 'GET', url: ENDPOINT, accessKey: KEY, date: new Date(Number.NaN) })).toThrow(
      RangeError,
    );
  });
});

describe('isWellFormedAccessKey', () => {
  it('accepts canonical base64 and refuses everything else', () => {
    expect(isWellFormedAccessKey(KEY)).toBe(true);
    expect(isWellFormedAccessKey('pw==')).toBe(true);
    expect(isWellFormedAccessKey('')).toBe(false);
    expect(isWellFormedAccessKey('pw')).toBe(false);
    expect(isWellFormedAccessKey('px==')).toBe(false);
    expect(isWellFormedAccessKey('not base64!')).toBe(false);
    expect(isWellFormedAccessKey('-_8=')).toBe(false);
  });
});
