import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createConsoleStatic } from '../console/console-handler.ts';
import { RouterError } from '../errors.ts';
import type { Router } from '../router.ts';
import { isWellFormedAccessKey } from '../auth/access-key.ts';
import { isLoopbackHost } from './http/client-identity.ts';
import { DEFAULT_MAX_BODY_BYTES } from './http/request-body.ts';
import { createRestHandler, type RestHandlerOptions } from './http/rest-handler.ts';
import { RequestTracker } from './http/request-tracker.ts';
import { shuttingDown } from './shutting-down.ts';
import { rawErrorResponse } from './http/responses.ts';
import { AZURE_JOB_ROUTER_RATE_LIMIT, RateLimiter } from './rate-limit.ts';

/** A token-bucket rate per client: bursts of `capacity` requests, refilled at `refillPerSecond`. */
export interface RateLimit {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** Options of {@link startServer}. */
export interface ServerOptions {
  readonly router: Router;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number | undefined;
  /** Default `127.0.0.1`. Anything but loopback requires `accessKey`. */
  readonly host?: string | undefined;
  /** Base64 access key. Without one, only loopback clients are served. */
  readonly accessKey?: string | undefined;
  /** Largest request body, bytes; default 1 MiB. */
  readonly maxBodyBytes?: number | undefined;
  /** Per-client request rate; default Azure's 1000 requests per 10 s. */
  readonly rateLimit?: RateLimit | undefined;
  /** A limiter shared with the WebSocket gateway; when given, `rateLimit` is not used. */
  readonly rateLimiter?: RateLimiter | undefined;
  /** Receives unexpected faults with their stack; default `console.error`. */
  readonly log?: ((message: string) => void) | undefined;
  /** Told of every REST request once answered (request log, metrics). */
  readonly observe?: RestHandlerOptions['observe'];
  /**
   * Serves the web console at `/console/` (`/` redirects there), its data and `GET /machines`; default true. See
   * docs/console.md.
   */
  readonly console?: boolean | undefined;
  /** Serves `GET /metrics` to admin credentials. */
  readonly metrics?: RestHandlerOptions['metrics'];
  /**
   * The WebSocket gateway's hook: called for every HTTP upgrade request (the gateway serves `/ws` and refuses the
   * rest). Without it, upgrades are refused with 404.
   */
  readonly onUpgrade?: ((request: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
}

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

/**
 * Thrown by {@link startServer} for a configuration it refuses: a non-loopback host without an access key, or a
 * malformed key. The CLI reports it and exits with code 2.
 */
export class ServerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerConfigError';
  }
}

/**
 * Refuses a non-loopback host without an access key, and a malformed key; called by {@link startServer}, and by the
 * CLI before it opens the store, so that a configuration error never waits on (or locks) a data directory.
 *
 * @throws ServerConfigError
 */
export function checkServerConfig(host: string, accessKey: string | undefined): void {
  if (accessKey === undefined && !isLoopbackHost(host))
    throw new ServerConfigError(`refusing to listen on ${host} without an access key: set --access-key or SWITCHBOARD_ACCESS_KEY, or bind to 127.0.0.1`);
  if (accessKey !== undefined && !isWellFormedAccessKey(accessKey))
    throw new ServerConfigError('the access key must be canonical base64 (for example the output of `openssl rand -base64 32`)');
}

/**
 * Starts the HTTP server: the REST API under `/routing/`, `GET /healthz`, the web console at `/console/`, and
 * upgrades handed to `onUpgrade`.
 *
 * @throws ServerConfigError for a refused configuration, before anything listens
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const { accessKey } = options;
  checkServerConfig(host, accessKey);

  const now = () => options.router.engine.now();
  const handler = createRestHandler({
    router: options.router,
    accessKey,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    rateLimiter: options.rateLimiter ?? new RateLimiter({ ...(options.rateLimit ?? AZURE_JOB_ROUTER_RATE_LIMIT), now }),
    now,
    log: options.log ?? ((message) => console.error(message)),
    observe: options.observe,
    metrics: options.metrics,
    console: options.console === false ? undefined : createConsoleStatic({ accessKey }),
  });
  const requests = new RequestTracker();
  const httpServer = createServer((request, response) => requests.handle(request, response, handler));
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
    httpServer.listen(options.port ?? 8080, host, () => {
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
