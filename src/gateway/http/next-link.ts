import type { IncomingMessage } from 'node:http';

/**
 * The absolute URL of the next page: this request's URL with `pageToken` set. The origin comes from the `Host`
 * header the client used; a value that is not a valid authority (the JavaScript SDK sends the port twice on
 * non-default ports) falls back to the address the client connected to. `X-Forwarded-Proto: https` is honoured so
 * links stay right behind a TLS proxy.
 */
export function nextLink(request: IncomingMessage, url: URL, pageToken: string): string {
  const proto = request.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  const next = new URL(`${url.pathname}${url.search}`, originOf(request, proto));
  next.searchParams.set('pageToken', pageToken);
  return next.href;
}

/** A host name or bracketed IPv6 address and an optional port: nothing that could add a path or credentials. */
const AUTHORITY = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function originOf(request: IncomingMessage, proto: string): string {
  const host = request.headers.host;
  if (host !== undefined && AUTHORITY.test(host) && URL.canParse(`${proto}://${host}`)) return `${proto}://${host}`;
  const { localAddress = '127.0.0.1', localPort } = request.socket;
  const address = localAddress.includes(':') ? `[${localAddress}]` : localAddress;
  return `${proto}://${address}:${localPort ?? ''}`;
}
