import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createConsoleStatic } from '../console/console-handler.ts';
import type { Router } from '../router.ts';
import { isWellFormedAccessKey } from '../auth/access-key.ts';
import { isLoopbackHost } from './http/client-identity.ts';
import { DEFAULT_MAX_BODY_BYTES } from './http/request-body.ts';
import { createRestHandler, type RestHandlerOptions } from './http/rest-handler.ts';
import { listen, type RunningServer } from './http/listen.ts';
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

export type { RunningServer } from './http/listen.ts';

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
 * @param keySetting - where the key is set, for the message
 * @throws ServerConfigError
 */
export function checkServerConfig(host: string, accessKey: string | undefined, keySetting = '--access-key or SWITCHBOARD_ACCESS_KEY'): void {
  if (accessKey === undefined && !isLoopbackHost(host))
    throw new ServerConfigError(`refusing to listen on ${host} without an access key: set ${keySetting}, or bind to 127.0.0.1`);
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

  const now = () => options.router.now();
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
  return listen({ handler, onUpgrade: options.onUpgrade, port: options.port ?? 8080, host });
}
