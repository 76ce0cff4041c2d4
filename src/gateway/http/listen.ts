import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { RouterError } from '../../errors.ts';
import { shuttingDown } from '../shutting-down.ts';
import { RequestTracker } from './request-tracker.ts';
import { rawErrorResponse } from './responses.ts';
import type { RequestHandler } from './rest-handler.ts';

/** A running server. */
export interface RunningServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  readonly httpServer: Server;
  /** REST requests received and not yet answered in full. */
  readonly openRequests: number;
  /**
   * The first step of a graceful shutdown: stops listening, answers the requests already received (with
   * `Connection: close`), refuses those that arrive afterwards on kept-alive connections with `ShuttingDown` (503),
   * and resolves once none is open. Connections stay up until {@link close}.
   */
  drain(): Promise<void>;
  /** Stops accepting, ends every connection and resolves once the server is closed. Does not close the router. */
  close(): Promise<void>;
}

/** What {@link listen} serves, and where. */
export interface ListenOptions {
  readonly handler: RequestHandler;
  /** Every HTTP upgrade request; without it, upgrades are refused with 404. */
  readonly onUpgrade?: ((request: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
  readonly port: number;
  readonly host: string;
}

/**
 * The HTTP server around a request handler, whatever it routes to: answers malformed HTTP with a catalogue refusal,
 * tracks requests so that a shutdown can drain them, and refuses upgrades once draining.
 */
export async function listen(options: ListenOptions): Promise<RunningServer> {
  const requests = new RequestTracker();
  const httpServer = createServer((request, response) => requests.handle(request, response, options.handler));
  httpServer.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset or timed-out client is not listening; anything else gets a proper refusal instead of Node's bare 400.
    if (!socket.writable || error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return socket.destroy();
    socket.end(
      rawErrorResponse(
        error.code === 'HPE_HEADER_OVERFLOW'
          ? new RouterError('HeadersTooLarge', 'the request headers are too large')
          : new RouterError('InvalidRequest', 'the request is not valid HTTP/1.1'),
      ),
    );
  });
  const { onUpgrade } = options;
  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (requests.draining) return socket.end(rawErrorResponse(shuttingDown()));
    if (onUpgrade) return onUpgrade(request, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port, address } = httpServer.address() as AddressInfo;
  const shown = address.includes(':') ? `[${address}]` : address;
  const closed = new Promise<void>((resolve) => httpServer.once('close', () => resolve()));
  return {
    url: `http://${shown}:${port}`,
    port,
    httpServer,
    get openRequests() {
      return requests.open;
    },
    async drain() {
      if (requests.draining) return requests.idle();
      // Only the listening socket: http.Server#close would also drop idle kept-alive connections at once, and a
      // request already on its way over one would meet a reset instead of a 503.
      NetServer.prototype.close.call(httpServer);
      requests.beginDrain();
      return requests.idle();
    },
    async close() {
      // Also after drain(): http.Server#close then just drops idle connections and stops the connection checks.
      httpServer.close();
      httpServer.closeAllConnections();
      await closed;
    },
  };
}
