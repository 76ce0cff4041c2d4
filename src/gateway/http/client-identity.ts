import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { verifyHmacRequest } from '../../auth/hmac.ts';
import { readBearerToken, verifyBearer, type Principal } from '../../auth/tokens.ts';

/** True for an address in 127.0.0.0/8 or `::1`, also in IPv4-mapped form (`::ffff:127.0.0.1`). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return (isIP(v4) === 4 && v4.startsWith('127.')) || address === '::1';
}

/**
 * The client's `x-ms-client-request-id` (as the Azure SDKs send it), when it is a short printable token: 1–128
 * printable ASCII characters. Anything else is ignored, so that what is echoed and logged stays harmless.
 */
export function clientRequestIdOf(headers: IncomingHttpHeaders): string | undefined {
  const sent = headers['x-ms-client-request-id'];
  return typeof sent === 'string' && /^[\x21-\x7e]{1,128}$/.test(sent) ? sent : undefined;
}

/**
 * True for a listen host that can only be reached from this machine: `localhost` or a loopback address. Other
 * host names are not resolved: a name that might reach a network counts as one.
 */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host.replace(/^\[(.*)\]$/, '$1'));
}

/**
 * Who sent a request to a server that has an access key: `Authorization: Bearer` (the key itself, or a worker
 * token), else Azure's HMAC-SHA256 signature over the exact body bytes and the `Host` header received.
 *
 * @returns the principal, or `undefined` when the request is not authenticated (the reason is not reported)
 */
export function authenticate(request: IncomingMessage, body: Buffer, accessKey: string, now: number): Principal | undefined {
  const token = readBearerToken(request.headers.authorization);
  if (token !== undefined) {
    const outcome = verifyBearer(token, accessKey, now);
    return outcome.ok ? outcome.principal : undefined;
  }
  const outcome = verifyHmacRequest({
    method: request.method ?? '',
    pathAndQuery: request.url ?? '',
    headers: request.headers,
    body,
    accessKey,
    now,
  });
  return outcome.ok ? { kind: 'admin' } : undefined;
}
