import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { RouterError } from '../errors.ts';
import type { DatabaseOwner } from '../store/postgres/lease.ts';
import { rawErrorResponse, sendError, sendJson } from './http/responses.ts';

/** The server a PostgreSQL standby runs on its address until it owns the database. */
export interface StandbyServer {
  /** `http://host:port`, the address the real server takes over. */
  readonly url: string;
  readonly port: number;
  /** Who owns the database now: where requests are redirected. */
  setOwner(owner: DatabaseOwner): void;
  /** Stops listening, ending open connections, so that the real server can bind the address. */
  close(): Promise<void>;
}

/**
 * Listens at the standby's address while it waits for the database: `/healthz` answers 200 (the process is up),
 * `/readyz` 503 (it serves no router yet), any other request a 307 to the owner's address with the same path and
 * query, which keeps the method and body — or 503 `NotOwner` while the owner has not said where it serves.
 * WebSocket upgrades are refused with 503 `NotOwner`: clients reconnect to the owner themselves.
 */
export async function startStandbyServer(host: string, port: number): Promise<StandbyServer> {
  let owner: DatabaseOwner = { owner: '', url: '' };
  const notOwner = () =>
    new RouterError('NotOwner', `this server is a standby; ${owner.owner || 'another Switchboard'} owns the database${owner.url ? ` and serves at ${owner.url}` : ''}`);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? '/';
    if (path === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (path === '/readyz') return sendJson(response, 503, { status: 'standby', code: 'NotOwner', owner: owner.owner, ownerUrl: owner.url || undefined });
    if (owner.url === '') return sendError(response, notOwner(), { 'retry-after': '1' });
    // Appended, not resolved: a path such as `//elsewhere/` must not turn the redirect into one to another host.
    response.writeHead(307, { location: `${owner.url.replace(/\/+$/, '')}${path}`, 'content-length': 0 }).end();
  });
  server.on('upgrade', (_request: IncomingMessage, socket: Duplex) => socket.end(rawErrorResponse(notOwner())));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    setOwner: (next) => (owner = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
