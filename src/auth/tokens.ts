/**
 * Bearer tokens: `Authorization: Bearer <token>` where the token is either the server's admin access key or a
 * worker-scoped token the server issued.
 *
 * A worker token is `sbw1.<payload>.<mac>`: `payload` is base64url JSON `{"w": workerId, "exp": expiresAtMs}`
 * and `mac` is base64url HMAC-SHA256 over `sbw1.<payload>` with a key derived from the access key. Deriving a
 * separate key means a worker token can never double as a request signature, and rotating the access key revokes
 * every worker token.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { decodeAccessKey } from './access-key.ts';
import { constantTimeEqual } from './constant-time.ts';

/**
 * Who a request acts as once authenticated: the key holder (admin), or one worker until its token's `expiresAt`
 * (milliseconds since the epoch), after which a connection it opened is closed.
 */
export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'worker'; readonly workerId: string; readonly expiresAt: number };

/**
 * Every reason {@link verifyBearer} can give.
 *
 * - `malformed`: empty, oversized, or a worker token that is not `sbw1.<payload>.<mac>` with a valid payload.
 * - `badSignature`: a worker token whose MAC does not match, or a token that is neither a worker token nor the
 *   admin key.
 * - `expired`: a genuine worker token at or past its expiry.
 */
export const BEARER_FAILURE_REASONS = ['malformed', 'badSignature', 'expired'] as const;

/** Why a bearer token was refused; one of {@link BEARER_FAILURE_REASONS}. */
export type BearerFailureReason = (typeof BEARER_FAILURE_REASONS)[number];

/** The result of {@link verifyBearer}. */
export type BearerOutcome =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: BearerFailureReason };

/** Input of {@link issueWorkerToken}. */
export interface IssueWorkerTokenInput {
  /** The worker the token acts as. */
  readonly workerId: string;
  /** The server's base64 access key. */
  readonly accessKey: string;
  /** Expiry, milliseconds since the epoch; the token is refused from this instant on. */
  readonly expiresAt: number;
}

const TOKEN_PREFIX = 'sbw1';
/** Domain-separation label for the worker-token key; changing it invalidates every issued token. */
const TOKEN_KEY_LABEL = 'switchboard worker token v1';
const PAYLOAD_PATTERN = /^[A-Za-z0-9_-]+$/;
/** base64url of a 32-byte MAC, unpadded. */
const MAC_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Bounds the work spent on a hostile token; issued tokens are far shorter unless worker ids are huge. */
const MAX_TOKEN_LENGTH = 4096;
const BEARER_PATTERN = /^Bearer +(\S+) *$/i;

/**
 * Issues a worker-scoped bearer token.
 *
 * @param input - the worker, the server key and the expiry
 * @returns an opaque token for `Authorization: Bearer <token>`
 * @throws RangeError when `workerId` is empty or `expiresAt` is not a finite number
 */
export function issueWorkerToken(input: IssueWorkerTokenInput): string {
  if (input.workerId.length === 0) {
    throw new RangeError('issueWorkerToken: workerId must not be empty');
  }
  if (!Number.isFinite(input.expiresAt)) {
    throw new RangeError('issueWorkerToken: expiresAt must be a finite number of milliseconds');
  }
  const payload = Buffer.from(JSON.stringify({ w: input.workerId, exp: input.expiresAt }), 'utf8').toString(
    'base64url',
  );
  const signed = `${TOKEN_PREFIX}.${payload}`;
  return `${signed}.${tokenMac(input.accessKey, signed)}`;
}

/**
 * Verifies a bearer token: the admin access key itself, or a worker token issued under it. Never throws on
 * anything a client can send; comparisons are constant-time.
 *
 * @param token - the text after `Bearer ` (see {@link readBearerToken})
 * @param accessKey - the server's base64 access key
 * @param now - server clock, milliseconds since the epoch
 * @returns the principal, or why the token is refused
 */
export function verifyBearer(token: string, accessKey: string, now: number): BearerOutcome {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return fail('malformed');
  }
  if (!token.startsWith(`${TOKEN_PREFIX}.`)) {
    // Base64 has no '.', so no access key can be mistaken for a worker token or the reverse.
    return constantTimeEqual(token, accessKey) ? { ok: true, principal: { kind: 'admin' } } : fail('badSignature');
  }

  const [prefix, payload, mac, ...rest] = token.split('.');
  if (
    prefix === undefined ||
    payload === undefined ||
    mac === undefined ||
    rest.length > 0 ||
    !PAYLOAD_PATTERN.test(payload) ||
    !MAC_PATTERN.test(mac)
  ) {
    return fail('malformed');
  }
  if (!constantTimeEqual(mac, tokenMac(accessKey, `${prefix}.${payload}`))) {
    return fail('badSignature');
  }

  // Only a payload this server signed reaches here, but it is still checked rather than trusted blindly.
  const claims = parseClaims(payload);
  if (claims === undefined) {
    return fail('malformed');
  }
  if (now >= claims.exp) {
    return fail('expired');
  }
  return { ok: true, principal: { kind: 'worker', workerId: claims.w, expiresAt: claims.exp } };
}

/**
 * Extracts the token from an `Authorization: Bearer <token>` header (scheme case-insensitive, per RFC 7235).
 *
 * @param authorization - the header value, if any
 * @returns the token, or `undefined` when the header is absent or uses another scheme
 */
export function readBearerToken(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : BEARER_PATTERN.exec(authorization)?.[1];
}

function tokenMac(accessKey: string, signed: string): string {
  const key = createHmac('sha256', decodeAccessKey(accessKey)).update(TOKEN_KEY_LABEL, 'utf8').digest();
  return createHmac('sha256', key).update(signed, 'utf8').digest('base64url');
}

interface WorkerClaims {
  readonly w: string;
  readonly exp: number;
}

function parseClaims(payload: string): WorkerClaims | undefined {
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null) {
    return undefined;
  }
  const { w, exp } = claims as Record<string, unknown>;
  return typeof w === 'string' && w.length > 0 && typeof exp === 'number' && Number.isFinite(exp)
    ? { w, exp }
    : undefined;
}

function fail(reason: BearerFailureReason): BearerOutcome {
  return { ok: false, reason };
}
