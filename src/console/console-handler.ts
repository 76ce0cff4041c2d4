import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { RouterError } from '../errors.ts';
import type { Principal } from '../auth/tokens.ts';
import { isLoopbackAddress } from '../gateway/http/client-identity.ts';
import { sendError, sendJson } from '../gateway/http/responses.ts';
import type { Router } from '../router.ts';
import { loadConsoleAssets, type ConsoleAsset } from './console-assets.ts';
import { MAX_WORKER_LOADS } from './console-data.ts';
import { exportMachines } from './machine-definitions.ts';

/** Where the console is served. */
export const CONSOLE_PATH = '/console/';

/**
 * The console's Content-Security-Policy: its own scripts, styles and layout worker only, nothing inline, no other
 * origin, no framing. `connect-src 'self'` covers the REST calls and the same-origin WebSocket.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: OutgoingHttpHeaders = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** What the console's static side needs to know. */
export interface ConsoleStaticOptions {
  readonly accessKey: string | undefined;
  /** The prefix of the router the console belongs to (`/contoso`), when the server hosts several; its pages find their API below it. */
  readonly basePath?: string | undefined;
  /** The built assets by file name; `undefined` when the console is not built. Default: read from `dist/console/`. */
  readonly assets?: ReadonlyMap<string, ConsoleAsset> | undefined;
}

/** Serves the console's pages and scripts, and `/` as a redirect to them. */
export type ConsoleStaticHandler = (request: IncomingMessage, pathname: string, response: ServerResponse) => boolean;

/**
 * The console's static side, answered before authentication: the pages hold no data (every piece of data comes
 * through the authenticated REST and WebSocket faces), and with an access key the page must load to ask for it.
 * Without a key the server serves loopback clients only, and so does this (`ConsoleLoopbackOnly`).
 *
 * Every built file is served from memory with its type, a strong `ETag` (`If-None-Match` gets 304) and
 * `Cache-Control: no-cache`, so a browser revalidates and an upgraded package is picked up at once. GET and HEAD
 * only; any other path under `/console/` is a 404.
 *
 * @returns a handler that answers and returns true for the console's paths, and returns false for the rest
 */
export function createConsoleStatic(options: ConsoleStaticOptions): ConsoleStaticHandler {
  let assets = options.assets;
  let loaded = 'assets' in options;
  return (request, pathname, response) => {
    const method = request.method ?? '';
    const isRoot = pathname === '/';
    if (!isRoot && pathname !== '/console' && !pathname.startsWith(CONSOLE_PATH)) return false;
    if (pathname.startsWith(`${CONSOLE_PATH}api/`)) return false;
    if (options.accessKey === undefined && !isLoopbackAddress(request.socket.remoteAddress)) {
      sendError(response, new RouterError('ConsoleLoopbackOnly', 'this server has no access key, so its console is served to loopback clients only'));
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      sendError(response, new RouterError('RouteNotFound', `no console operation ${method.slice(0, 16)} ${pathname.slice(0, 256)}`), { allow: 'GET, HEAD' });
      return true;
    }
    if (isRoot || pathname === '/console') {
      response.writeHead(302, { location: `${options.basePath ?? ''}${CONSOLE_PATH}`, 'content-length': 0, ...SECURITY_HEADERS }).end();
      return true;
    }
    if (!loaded) {
      assets = loadConsoleAssets();
      loaded = true;
    }
    if (assets === undefined) {
      sendError(response, new RouterError('ConsoleNotBuilt', 'the console is not built: run `npm run build`'));
      return true;
    }
    const name = pathname === CONSOLE_PATH ? 'index.html' : pathname.slice(CONSOLE_PATH.length);
    const asset = assets.get(name);
    if (asset === undefined) {
      sendError(response, new RouterError('RouteNotFound', `the console has no page ${pathname.slice(0, 256)}; it starts at ${CONSOLE_PATH}`));
      return true;
    }
    const headers: OutgoingHttpHeaders = { ...SECURITY_HEADERS, etag: asset.etag, 'cache-control': 'no-cache' };
    if (request.headers['if-none-match']?.split(',').some((tag) => tag.trim() === asset.etag)) {
      response.writeHead(304, headers).end();
      return true;
    }
    response.writeHead(200, { ...headers, 'content-type': asset.contentType, 'content-length': asset.body.length });
    response.end(method === 'HEAD' ? undefined : asset.body);
    return true;
  };
}

/**
 * The data only the console reads, and `GET /machines`, for admin credentials (on loopback without a key, anyone):
 *
 * - `GET /machines`: every machine's definition ({@link exportMachines}).
 * - `GET /console/api/queues`: every queue with its statistics, workers by state and live offers.
 * - `GET /console/api/workers?id=…&id=…`: the named workers' load per channel (at most 1000 ids).
 *
 * Called after the caller was authenticated and charged to the rate limiter.
 *
 * @returns whether the request was one of these, and answered
 * @throws RouterError `Forbidden` for a worker token, `InvalidRequest` for too many ids
 */
export function answerConsoleData(router: Router, url: URL, method: string, principal: Principal, response: ServerResponse): boolean {
  const { pathname } = url;
  if (pathname !== '/machines' && !pathname.startsWith(`${CONSOLE_PATH}api/`)) return false;
  if (method !== 'GET' && method !== 'HEAD') throw new RouterError('RouteNotFound', `no operation ${method.slice(0, 16)} ${pathname.slice(0, 256)}`);
  if (principal.kind !== 'admin') throw new RouterError('Forbidden', 'the console and machine definitions are for admin credentials only');
  router.assertServing();
  if (pathname === '/machines') sendJson(response, 200, { value: exportMachines() }, { 'cache-control': 'no-cache' });
  else if (pathname === `${CONSOLE_PATH}api/queues`) sendJson(response, 200, router.queueSummaries(), { 'cache-control': 'no-store' });
  else if (pathname === `${CONSOLE_PATH}api/workers`) {
    const ids = url.searchParams.getAll('id');
    if (ids.length > MAX_WORKER_LOADS) throw new RouterError('InvalidRequest', `at most ${MAX_WORKER_LOADS} worker ids at once`, 'id');
    sendJson(response, 200, { value: router.workerLoads(ids) }, { 'cache-control': 'no-store' });
  } else throw new RouterError('RouteNotFound', `the console has no data at ${pathname.slice(0, 256)}`);
  return true;
}
