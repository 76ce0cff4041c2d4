import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createConsoleStatic } from '../console/console-handler.ts';
import { RouterError } from '../errors.ts';
import type { Router } from '../router.ts';
import { listen, type RunningServer } from './http/listen.ts';
import { answerOpenApi } from './http/openapi.ts';
import { DEFAULT_MAX_BODY_BYTES } from './http/request-body.ts';
import { sendError, sendJson } from './http/responses.ts';
import { createRestHandler, type RequestHandler, type RestHandlerOptions } from './http/rest-handler.ts';
import type { RateLimiter } from './rate-limit.ts';
import { firstSegment, routerAccessKeyVariable, routerNameProblem } from './router-names.ts';
import { checkServerConfig, ServerConfigError } from './server.ts';

/** One router of a server hosting several, with what serves it. Each has its own key, rate budget and gateway. */
export interface HostedRouter {
  /** Its path prefix: the router is served under `/<name>/`. */
  readonly name: string;
  readonly router: Router;
  /** Its own access key; without one its API is served to loopback clients only. */
  readonly accessKey: string | undefined;
  /** Its own budget: Azure's limit is per resource, and each router stands for one. */
  readonly rateLimiter: RateLimiter;
  readonly observe?: RestHandlerOptions['observe'];
  readonly metrics?: RestHandlerOptions['metrics'];
  /** Where its unexpected faults are reported, with their stack; default `console.error`. */
  readonly log?: ((message: string) => void) | undefined;
  /** Its WebSocket gateway's upgrade hook; the gateway answers on `/<name>/ws`. */
  readonly onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/** Options of {@link startMultiRouterServer}. */
export interface MultiRouterServerOptions {
  readonly routers: readonly HostedRouter[];
  /** Default 8080; 0 picks a free port. */
  readonly port?: number | undefined;
  /** Default `127.0.0.1`. Anything but loopback requires every router to have an access key. */
  readonly host?: string | undefined;
  readonly maxBodyBytes?: number | undefined;
  /** Serves each router's console at `/<name>/console/`; default true. */
  readonly console?: boolean | undefined;
}

/**
 * Refuses what a server hosting several routers cannot start with: no router, a name that is not valid or reserved,
 * a name given twice, and for each router what {@link checkServerConfig} refuses. The CLI calls it before any store
 * is opened.
 *
 * @throws ServerConfigError
 */
export function checkRoutersConfig(host: string, routers: ReadonlyArray<{ readonly name: string; readonly accessKey: string | undefined }>): void {
  if (routers.length === 0) throw new ServerConfigError('a server hosting several routers needs at least one');
  const seen = new Set<string>();
  for (const { name, accessKey } of routers) {
    const problem = routerNameProblem(name);
    if (problem !== undefined) throw new ServerConfigError(problem);
    if (seen.has(name)) throw new ServerConfigError(`router ${JSON.stringify(name)} is declared twice`);
    seen.add(name);
    try {
      checkServerConfig(host, accessKey, `${routerAccessKeyVariable(name)} (or routers.${name}.accessKey in the config file)`);
    } catch (error) {
      throw error instanceof ServerConfigError ? new ServerConfigError(`router ${name}: ${error.message}`) : error;
    }
  }
}

/**
 * Starts one HTTP server for several independent routers, each under its own prefix: its REST API at
 * `/<name>/routing/`, WebSocket at `/<name>/ws`, console at `/<name>/console/`, and `/<name>/machines`,
 * `/<name>/metrics`, `/<name>/readyz`. An Azure SDK connection string `endpoint=http://host:port/<name>/` reaches
 * it unchanged. At the top level only `/healthz`, `/readyz` (every router ready) and `/openapi.json` are answered;
 * any other path is `RouterNotFound` (404).
 *
 * @throws ServerConfigError for a refused configuration ({@link checkRoutersConfig}), before anything listens
 */
export async function startMultiRouterServer(options: MultiRouterServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  checkRoutersConfig(host, options.routers);
  const mounts = new Map<string, { readonly hosted: HostedRouter; readonly handler: RequestHandler }>();
  for (const hosted of options.routers) {
    const basePath = `/${hosted.name}`;
    const handler = createRestHandler({
      router: hosted.router,
      accessKey: hosted.accessKey,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      rateLimiter: hosted.rateLimiter,
      now: () => hosted.router.now(),
      log: hosted.log ?? ((message) => console.error(`router ${hosted.name}: ${message}`)),
      observe: hosted.observe,
      metrics: hosted.metrics,
      console: options.console === false ? undefined : createConsoleStatic({ accessKey: hosted.accessKey, basePath }),
      basePath,
    });
    mounts.set(hosted.name, { hosted, handler });
  }
  const routers = options.routers.map((hosted) => hosted.router);

  const handler: RequestHandler = async (request, response) => {
    const mount = mounts.get(firstSegment(request.url ?? '/') ?? '');
    if (mount) return mount.handler(request, response);
    answerTopLevel(routers, request, response);
  };
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const mount = mounts.get(firstSegment(request.url ?? '/') ?? '');
    if (mount) return mount.hosted.onUpgrade(request, socket, head);
    socket.on('error', () => socket.destroy());
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  };
  return listen({ handler, onUpgrade, port: options.port ?? 8080, host });
}

/**
 * The paths that belong to no router. `/readyz` is ready when every router is, and says how many are not, never
 * which: probes are unauthenticated, and router names are each tenant's business (`/<name>/readyz` tells one router's
 * own state). Anything else is `RouterNotFound`, without reading the body.
 */
function answerTopLevel(routers: readonly Router[], request: IncomingMessage, response: ServerResponse): void {
  const method = request.method ?? '';
  const pathname = (request.url ?? '/').split(/[?#]/, 1)[0] ?? '/';
  response.setHeader('x-ms-request-id', randomUUID());
  if (method === 'GET' || method === 'HEAD') {
    if (pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (pathname === '/readyz') {
      const unavailable = routers.filter((router) => router.storeFailure !== undefined).length;
      return unavailable === 0
        ? sendJson(response, 200, { status: 'ready', routers: routers.length })
        : sendJson(response, 503, { status: 'unavailable', code: 'StoreUnavailable', routers: routers.length, unavailable });
    }
  }
  if (answerOpenApi(pathname, method, response)) return;
  request.resume();
  const name = firstSegment(pathname);
  sendError(
    response,
    new RouterError(
      'RouterNotFound',
      name === undefined || name === 'routing'
        ? 'this server hosts several routers; address one by its name, as in /<router>/routing/... (the endpoint http://host:port/<router>/)'
        : `this server hosts no router named ${JSON.stringify(name.slice(0, 64))}`,
    ),
  );
}
