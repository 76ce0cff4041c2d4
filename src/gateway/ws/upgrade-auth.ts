import type { IncomingMessage } from 'node:http';
import { readBearerToken, verifyBearer, type Principal } from '../../auth/tokens.ts';
import { isLoopbackAddress } from '../http/client-identity.ts';

/**
 * Who is opening a WebSocket, by the same rules as REST: with no access key, anyone on loopback is the admin and
 * nobody else gets in; with a key, the bearer token decides — from `Authorization: Bearer` or, because browsers
 * cannot set headers on a WebSocket, from `?access_token=`.
 *
 * @param request - the HTTP upgrade request
 * @param accessKey - the server's access key, if one is configured
 * @param now - server clock, for worker-token expiry
 * @returns the principal, or `undefined` to refuse with 401
 */
export function authenticateUpgrade(request: IncomingMessage, accessKey: string | undefined, now: number): Principal | undefined {
  if (accessKey === undefined) return isLoopbackAddress(request.socket.remoteAddress) ? { kind: 'admin' } : undefined;
  const token =
    readBearerToken(request.headers.authorization) ??
    new URL(request.url ?? '/', 'http://upgrade').searchParams.get('access_token') ??
    undefined;
  if (token === undefined) return undefined;
  const outcome = verifyBearer(token, accessKey, now);
  return outcome.ok ? outcome.principal : undefined;
}

