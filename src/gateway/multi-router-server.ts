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
  /**
   * Whether it may be served at this moment (a cluster node's, while it surely holds the router's lease); when not,
   * its requests go `elsewhere` as if it were not mounted. Default: always.
   */
  readonly serving?: (() => boolean) | undefined;
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
  /**
   * The routers of the deployment that another node may be serving instead (a cluster node's): requests and upgrades
   * for one of them that is not mounted here go to it. Without it, only `routers` are served, all mounted at start.
   */
  readonly elsewhere?: ServedElsewhere | undefined;
}

/** Where a cluster node sends what it does not serve itself (`cluster/forwarding.ts`). */
export interface ServedElsewhere {
  /** Every router of the deployment, whether mounted here or not. */
  readonly names: readonly string[];
  handle(name: string, request: IncomingMessage, response: ServerResponse): Promise<void>;
  upgrade(name: string, request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

/** A server hosting several routers, some of which (on a cluster node) come and go while it runs. */
export interface MultiRouterServer extends RunningServer {
  /** Serves one more router from now on; its name must be one of `elsewhere.names`. */
  mount(hosted: HostedRouter): void;
  /**
   * Stops serving a router (from now on its requests go `elsewhere`) and resolves once the REST requests it was
   * already serving have been answered. Its gateway and router are the caller's to close.
   */
  unmount(name: string): Promise<void>;
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
export async function startMultiRouterServer(options: MultiRouterServerOptions): Promise<MultiRouterServer> {
  const host = options.host ?? '127.0.0.1';
  const { elsewhere } = options;
  // A cluster node may start serving none; the routers it may mount were checked as declared (`serve`).
  if (elsewhere === undefined) checkRoutersConfig(host, options.routers);
  const mounts = new Map<string, Mount>();
  const mount = (hosted: HostedRouter) => {
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
    mounts.set(hosted.name, { hosted, handler, serving: new Set() });
  };
  for (const hosted of options.routers) mount(hosted);
  const elsewhereNames = new Set(elsewhere?.names);

  const mountedNow = (name: string) => {
    const mounted = mounts.get(name);
    return mounted?.hosted.serving?.() === false ? undefined : mounted;
  };
  const handler: RequestHandler = async (request, response) => {
    const name = firstSegment(request.url ?? '/') ?? '';
    const mounted = mountedNow(name);
    if (mounted) {
      const answered = mounted.handler(request, response);
      mounted.serving.add(answered);
      return answered.finally(() => mounted.serving.delete(answered));
    }
    if (elsewhere && elsewhereNames.has(name)) return elsewhere.handle(name, request, response);
    answerTopLevel([...mounts.keys()].flatMap((one) => mountedNow(one)?.hosted ?? []), elsewhere, request, response);
  };
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const name = firstSegment(request.url ?? '/') ?? '';
    const mounted = mountedNow(name);
    if (mounted) return mounted.hosted.onUpgrade(request, socket, head);
    if (elsewhere && elsewhereNames.has(name)) return void elsewhere.upgrade(name, request, socket, head);
    socket.on('error', () => socket.destroy());
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  };
  const server = await listen({ handler, onUpgrade, port: options.port ?? 8080, host });
  return Object.assign(server, {
    mount,
    async unmount(name: string) {
      const mounted = mounts.get(name);
      mounts.delete(name);
      await Promise.allSettled(mounted?.serving ?? []);
    },
  });
}

/** A router served here: its REST handler, and the requests it is answering now (for `unmount` to wait for). */
interface Mount {
  readonly hosted: HostedRouter;
  readonly handler: RequestHandler;
  readonly serving: Set<Promise<void>>;
}

/**
 * The paths that belong to no router. `/readyz` is ready when every router is, and says how many are not, never
 * which: probes are unauthenticated, and router names are each tenant's business (`/<name>/readyz` tells one router's
 * own state). A cluster node's says which routers it serves (`owned`), and is ready when those are: a load balancer
 * or an operator needs to know where each router is, and the names are no secret from whoever can probe, since an
 * unknown name is answered `RouterNotFound`. Anything else is `RouterNotFound`, without reading the body.
 */
function answerTopLevel(hosted: readonly HostedRouter[], elsewhere: ServedElsewhere | undefined, request: IncomingMessage, response: ServerResponse): void {
  const method = request.method ?? '';
  const pathname = (request.url ?? '/').split(/[?#]/, 1)[0] ?? '/';
  response.setHeader('x-ms-request-id', randomUUID());
  if (method === 'GET' || method === 'HEAD') {
    if (pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (pathname === '/readyz') {
      const unavailable = hosted.filter(({ router }) => router.storeFailure !== undefined).length;
      const routers = elsewhere === undefined ? { routers: hosted.length } : { routers: elsewhere.names.length, owned: hosted.map(({ name }) => name) };
      return unavailable === 0
        ? sendJson(response, 200, { status: 'ready', ...routers })
        : sendJson(response, 503, { status: 'unavailable', code: 'StoreUnavailable', ...routers, unavailable });
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
