import { deadlineIn, describeUrl, parseJson, parseUrl, post, type Deadline, type HttpSettings } from './http-request.ts';
import { ruleFailure, type RuleFailure } from './rule-errors.ts';

/** An OAuth2 client-credentials grant, as a webhook rule describes it. */
export interface ClientCredentialGrant {
  readonly authorizationServerUri: string;
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
}

/** An access token to send as `Authorization: Bearer …`. */
export interface AccessToken {
  readonly ok: true;
  readonly token: string;
}

/**
 * Access tokens for webhook rules, one per (authorization server, client id), reused until shortly before they
 * expire. Concurrent evaluations needing the same token share one request to the authorization server.
 */
export interface TokenCache {
  /** A valid token, or why there is none. Never rejects; gives up with `RuleTimeout` when `deadline` fires. */
  get(grant: ClientCredentialGrant, deadline: Deadline): Promise<AccessToken | RuleFailure>;
  /** Forgets `token` after the webhook refused it, unless a newer token has replaced it already. */
  invalidate(grant: ClientCredentialGrant, token: string): void;
}

interface CachedToken {
  readonly token: string;
  readonly refreshAt: number;
}

interface IssuedToken extends AccessToken {
  readonly refreshAt: number;
}

/** Refresh a minute early, or a tenth of the lifetime early for short-lived tokens, so a token never expires in use. */
const MAX_REFRESH_MARGIN_MS = 60_000;

/** Creates an empty cache. `now` is the router's clock, so tests can drive expiry. */
export function createTokenCache(http: HttpSettings, now: () => number): TokenCache {
  const cached = new Map<string, CachedToken>();
  const pending = new Map<string, Promise<IssuedToken | RuleFailure>>();

  function store(key: string, issued: IssuedToken): void {
    // Tokens of deleted policies would otherwise stay forever; dropping the expired ones bounds the map.
    const at = now();
    for (const [other, entry] of cached) if (entry.refreshAt <= at) cached.delete(other);
    if (issued.refreshAt > at) cached.set(key, { token: issued.token, refreshAt: issued.refreshAt });
  }

  return {
    get(grant, deadline) {
      const key = keyOf(grant);
      const hit = cached.get(key);
      if (hit !== undefined && now() < hit.refreshAt) return Promise.resolve({ ok: true, token: hit.token });
      let request = pending.get(key);
      if (request === undefined) {
        // The request has its own deadline: it is shared, so no single caller's deadline may cut it short.
        request = requestToken(http, grant, now).then((result) => {
          pending.delete(key);
          if (result.ok) store(key, result);
          return result;
        });
        pending.set(key, request);
      }
      return withinDeadline(request, deadline, grant);
    },
    invalidate(grant, token) {
      const key = keyOf(grant);
      if (cached.get(key)?.token === token) cached.delete(key);
    },
  };
}

function keyOf(grant: ClientCredentialGrant): string {
  return JSON.stringify([grant.authorizationServerUri, grant.clientId ?? null]);
}

/** Waits for a shared token request, but no longer than this caller's own deadline. */
function withinDeadline(
  request: Promise<IssuedToken | RuleFailure>,
  deadline: Deadline,
  grant: ClientCredentialGrant,
): Promise<AccessToken | RuleFailure> {
  const timedOut = (): RuleFailure =>
    ruleFailure('RuleTimeout', `no token from ${describeGrant(grant)} within ${deadline.ms} ms`);
  if (deadline.signal.aborted) return Promise.resolve(timedOut());
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(timedOut());
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    void request.then((result) => {
      deadline.signal.removeEventListener('abort', onAbort);
      resolve(result.ok ? { ok: true, token: result.token } : result);
    });
  });
}

function describeGrant(grant: ClientCredentialGrant): string {
  const url = parseUrl(grant.authorizationServerUri);
  return url === undefined ? 'the authorization server' : describeUrl(url);
}

/** Asks the authorization server for a token (RFC 6749 §4.4, client credentials in the form body). */
async function requestToken(http: HttpSettings, grant: ClientCredentialGrant, now: () => number): Promise<IssuedToken | RuleFailure> {
  const url = parseUrl(grant.authorizationServerUri);
  if (url === undefined) return ruleFailure('RuleMisconfigured', 'authorizationServerUri is not a URL');
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (grant.clientId !== undefined) form.set('client_id', grant.clientId);
  if (grant.clientSecret !== undefined) form.set('client_secret', grant.clientSecret);
  // Lifetimes count from when the request was sent, so a slow answer cannot make a token look fresher than it is.
  const sentAt = now();
  const reply = await post(
    http,
    {
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    },
    deadlineIn(http.timeoutMs),
  );
  const target = `token request to ${describeUrl(url)}`;
  if (!reply.ok) return { ...reply, error: { ...reply.error, message: `${target}: ${reply.error.message}` } };
  if (reply.status !== 200) return ruleFailure('RuleTokenFailed', `${target} answered ${reply.status}`);
  const parsed = parseJson(reply.body)?.value;
  if (!isRecord(parsed) || typeof parsed.access_token !== 'string' || parsed.access_token === '')
    return ruleFailure('RuleTokenFailed', `${target} answered without an access_token`);
  return { ok: true, token: parsed.access_token, refreshAt: sentAt + lifetimeMs(parsed) };
}

/**
 * How long to reuse a token: `expires_in` less a safety margin. Without a usable `expires_in` the token is used for
 * the requests already waiting for it and never cached, since nothing says how long it lives.
 */
function lifetimeMs(response: Record<string, unknown>): number {
  const seconds = Number(response.expires_in);
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  const ms = seconds * 1000;
  return ms - Math.min(MAX_REFRESH_MARGIN_MS, ms / 10);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
