/**
 * Azure Communication Services HMAC-SHA256 request signing, as done by the Azure SDKs when a client is built from
 * a connection string `endpoint=…;accesskey=<base64>`.
 *
 * Every request carries `x-ms-date`, `x-ms-content-sha256` (base64 SHA-256 of the body bytes) and
 * `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64>`, the signature
 * being HMAC-SHA256, keyed with the base64-decoded access key, over
 * `${METHOD}\n${pathAndQuery}\n${date};${host};${contentHash}`.
 *
 * @module
 */
import { createHash, createHmac } from 'node:crypto';
import { decodeAccessKey } from './access-key.ts';
import { constantTimeEqual } from './constant-time.ts';

/** Default tolerated distance between the signed date and the server clock: 15 minutes, as Azure allows. */
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * Every reason {@link verifyHmacRequest} can give, as data so the server can map each to a response and a test
 * can check the mapping is complete.
 *
 * - `missingHeaders`: `Authorization`, `Host`, `x-ms-content-sha256` or the signed date header is absent.
 * - `malformed`: a header is present but not of the expected form (scheme, signed-header list, base64 length,
 *   RFC 7231 date, repeated header).
 * - `badContentHash`: `x-ms-content-sha256` does not match the body received.
 * - `staleDate`: the signed date is further than `maxSkewMs` from the server clock, in either direction.
 * - `badSignature`: the signature does not match the request under the server's key.
 */
export const HMAC_FAILURE_REASONS = [
  'missingHeaders',
  'malformed',
  'badContentHash',
  'staleDate',
  'badSignature',
] as const;

/** Why an HMAC-signed request was refused; one of {@link HMAC_FAILURE_REASONS}. */
export type HmacFailureReason = (typeof HMAC_FAILURE_REASONS)[number];

/** The result of {@link verifyHmacRequest}. */
export type AuthOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: HmacFailureReason };

/** A request body as the server or client holds it; strings are hashed as UTF-8, like the SDKs do. */
export type RequestBody = string | Uint8Array;

/**
 * Request headers as Node's `IncomingMessage.headers` gives them (an `IncomingHttpHeaders` is assignable).
 * Names are matched case-insensitively.
 */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Input of {@link signRequest}. */
export interface SignRequestInput {
  /** HTTP method; signed upper-cased, as every SDK does. */
  readonly method: string;
  /** Absolute request URL; its `host` (with any non-default port) and path-and-query are signed. */
  readonly url: string | URL;
  /** Request body; absent means empty. */
  readonly body?: RequestBody | undefined;
  /** The base64 access key from the connection string. */
  readonly accessKey: string;
  /** Signing time, sent as `x-ms-date`. */
  readonly date: Date;
}

/** Input of {@link verifyHmacRequest}. */
export interface VerifyHmacRequestInput {
  /** HTTP method of the received request. */
  readonly method: string;
  /** The request target as received (Node's `req.url`), e.g. `/routing/jobs?api-version=2023-11-01`. */
  readonly pathAndQuery: string;
  /** Received headers. */
  readonly headers: RequestHeaders;
  /** The exact body bytes received; absent means empty. */
  readonly body?: RequestBody | undefined;
  /** The server's base64 access key. */
  readonly accessKey: string;
  /** Server clock, milliseconds since the epoch. */
  readonly now: number;
  /** Largest accepted distance between the signed date and `now`; {@link DEFAULT_MAX_SKEW_MS} by default. */
  readonly maxSkewMs?: number | undefined;
}

const SIGNED_HEADERS = 'x-ms-date;host;x-ms-content-sha256';

/**
 * Accepted `SignedHeaders` lists, lower-cased, and the header each one takes its date from. Every Azure SDK signs
 * `x-ms-date`; `date` is accepted as well because Azure's HMAC scheme allows it where a proxy cannot add `x-ms-*`
 * headers. Nothing else is accepted, so the signature always covers method, target, date, host and body.
 */
const DATE_HEADER_BY_SIGNED_HEADERS: ReadonlyMap<string, string> = new Map([
  [SIGNED_HEADERS, 'x-ms-date'],
  ['date;host;x-ms-content-sha256', 'date'],
]);

const AUTHORIZATION_PATTERN = /^HMAC-SHA256 +SignedHeaders=([^&\s]+)&Signature=(\S+)$/i;
/** Base64 of a 32-byte SHA-256 digest: 43 characters and one `=`. */
const DIGEST_BASE64_PATTERN = /^[A-Za-z0-9+/]{43}=$/;
/** Bounds the work spent on a hostile header; real values are well under this. */
const MAX_AUTHORIZATION_LENGTH = 1024;
const MAX_DATE_LENGTH = 64;

/**
 * Signs a request as an Azure SDK client configured with a connection string would.
 *
 * The returned headers (lower-case names) are to be added to the request. `Host` is not among them: the signature
 * covers `new URL(url).host`, which is what an HTTP client sends as `Host`.
 *
 * @param input - the request to sign and the access key
 * @returns `x-ms-date`, `x-ms-content-sha256` and `authorization`
 * @throws TypeError when `url` is not an absolute URL
 * @throws RangeError when `date` is an invalid `Date`
 */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const url = new URL(input.url);
  if (Number.isNaN(input.date.getTime())) {
    throw new RangeError('signRequest: date is an invalid Date');
  }
  const date = input.date.toUTCString();
  const hash = contentHash(input.body);
  const signature = computeSignature(decodeAccessKey(input.accessKey), {
    method: input.method.toUpperCase(),
    pathAndQuery: url.pathname + url.search,
    date,
    host: url.host,
    contentHash: hash,
  });
  return {
    'x-ms-date': date,
    'x-ms-content-sha256': hash,
    authorization: `HMAC-SHA256 SignedHeaders=${SIGNED_HEADERS}&Signature=${signature}`,
  };
}

/**
 * Verifies an HMAC-SHA256 signed request. Never throws on anything a client can send.
 *
 * The `Host` header is signed exactly as received, because the SDKs disagree on how they derive it (the
 * JavaScript SDK, for one, signs and sends the port twice for non-default ports); what matters is that the client
 * signed the value it sent. The path-and-query is tried as received and, when it has a query, as the JavaScript
 * SDK re-serializes it (`URLSearchParams`), which parses to the same parameters.
 *
 * @param input - the received request, the server key and clock
 * @returns `{ ok: true }`, or the first reason the request fails, checked in the order: headers present,
 * well-formed, content hash, date window, signature
 */
export function verifyHmacRequest(input: VerifyHmacRequestInput): AuthOutcome {
  const authorization = headerValue(input.headers, 'authorization');
  const host = headerValue(input.headers, 'host');
  const claimedHash = headerValue(input.headers, 'x-ms-content-sha256');
  if (authorization === undefined || host === undefined || claimedHash === undefined) {
    return fail('missingHeaders');
  }
  if (authorization === null || host === null || claimedHash === null) {
    return fail('malformed');
  }

  const parsed =
    authorization.length <= MAX_AUTHORIZATION_LENGTH ? AUTHORIZATION_PATTERN.exec(authorization.trim()) : null;
  const dateHeader = parsed?.[1] === undefined ? undefined : DATE_HEADER_BY_SIGNED_HEADERS.get(parsed[1].toLowerCase());
  const signature = parsed?.[2];
  if (dateHeader === undefined || signature === undefined || !DIGEST_BASE64_PATTERN.test(signature)) {
    return fail('malformed');
  }

  const date = headerValue(input.headers, dateHeader);
  if (date === undefined) {
    return fail('missingHeaders');
  }
  if (date === null || !DIGEST_BASE64_PATTERN.test(claimedHash)) {
    return fail('malformed');
  }
  const signedAt = parseHttpDate(date);
  if (signedAt === undefined) {
    return fail('malformed');
  }

  if (!constantTimeEqual(claimedHash, contentHash(input.body))) {
    return fail('badContentHash');
  }
  if (Math.abs(input.now - signedAt) > (input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    return fail('staleDate');
  }

  const key = decodeAccessKey(input.accessKey);
  const method = input.method.toUpperCase();
  const matches = signedTargets(input.pathAndQuery).some((pathAndQuery) =>
    constantTimeEqual(
      signature,
      computeSignature(key, { method, pathAndQuery, date, host, contentHash: claimedHash }),
    ),
  );
  return matches ? { ok: true } : fail('badSignature');
}

interface SignedParts {
  readonly method: string;
  readonly pathAndQuery: string;
  readonly date: string;
  readonly host: string;
  readonly contentHash: string;
}

function computeSignature(key: Buffer, parts: SignedParts): string {
  const stringToSign = `${parts.method}\n${parts.pathAndQuery}\n${parts.date};${parts.host};${parts.contentHash}`;
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('base64');
}

function contentHash(body: RequestBody | undefined): string {
  return createHash('sha256')
    .update(body ?? '')
    .digest('base64');
}

function fail(reason: HmacFailureReason): AuthOutcome {
  return { ok: false, reason };
}

/**
 * Looks a header up case-insensitively.
 *
 * @returns the value; `undefined` when absent; `null` when it was sent more than once, since a repeated signed
 * header has no single value to check.
 */
function headerValue(headers: RequestHeaders, name: string): string | null | undefined {
  let found: string | readonly string[] | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && key.toLowerCase() === name) {
      if (found !== undefined) {
        return null;
      }
      found = value;
    }
  }
  if (typeof found === 'string' || found === undefined) {
    return found;
  }
  return found.length === 1 ? (found[0] ?? null) : null;
}

/**
 * Parses an RFC 7231 IMF-fixdate (`Wed, 13 Apr 2022 18:09:12 GMT`), the form all SDKs send. `Date.parse` alone
 * accepts far looser text, so the value must also be exactly what `toUTCString` prints for the parsed instant.
 */
function parseHttpDate(value: string): number | undefined {
  if (value.length > MAX_DATE_LENGTH) {
    return undefined;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) || new Date(ms).toUTCString() !== value ? undefined : ms;
}

/** The request-target spellings a genuine client may have signed; see {@link verifyHmacRequest}. */
function signedTargets(pathAndQuery: string): readonly string[] {
  const queryStart = pathAndQuery.indexOf('?');
  if (queryStart === -1) {
    return [pathAndQuery];
  }
  const path = pathAndQuery.slice(0, queryStart);
  const query = new URLSearchParams(pathAndQuery.slice(queryStart + 1)).toString();
  const reserialized = query === '' ? path : `${path}?${query}`;
  return reserialized === pathAndQuery ? [pathAndQuery] : [pathAndQuery, reserialized];
}
