import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { answerConsoleData, type ConsoleStaticHandler } from '../../console/console-handler.ts';
import { RouterError } from '../../errors.ts';
import type { Invocation, Operation } from '../../operations/table.ts';
import { isPlainObject } from '../../protocol/merge-patch.ts';
import type { Router } from '../../router.ts';
import { requireAuthorized } from '../../auth/authorize.ts';
import type { Principal } from '../../auth/tokens.ts';
import { rateKey, type RateLimiter } from '../rate-limit.ts';
import { requireApiVersion } from './api-version.ts';
import { authenticate, clientRequestIdOf, isLoopbackAddress } from './client-identity.ts';
import { nextLink } from './next-link.ts';
import { answerOpenApi } from './openapi.ts';
import { parseJsonObject, readBody } from './request-body.ts';
import { matchRoute } from './routes.ts';
import { answerProbe } from './probes.ts';
import { sendError, sendErrorThenClose, sendJson } from './responses.ts';

/** What the REST face needs from the server. */
export interface RestHandlerOptions {
  readonly router: Router;
  /** With a key, every request must be signed or carry a bearer token; without, only loopback clients are served. */
  readonly accessKey: string | undefined;
  /** Largest accepted body, bytes. */
  readonly maxBodyBytes: number;
  readonly rateLimiter: RateLimiter;
  /** Server clock: signature dates, token expiry. */
  readonly now: () => number;
  /** Where unexpected faults are reported, with their stack (never sent to the client). */
  readonly log: (message: string) => void;
  /** Told of every request once its answer is sent: the request log and metrics. */
  readonly observe?: ((request: AnsweredRequest) => void) | undefined;
  /** Serves `GET /metrics` to admin credentials; without it the path is not found. */
  readonly metrics?: { render(): Promise<string> } | undefined;
  /** Serves the web console's pages (before authentication) and its data; without it those paths are not found. */
  readonly console?: ConsoleStaticHandler | undefined;
  /**
   * The path prefix this router is served under (`/contoso`), when the server hosts several; every path below is
   * matched after it. Signatures are still checked against the request target as received, prefix included, since
   * that is what the client signed.
   */
  readonly basePath?: string | undefined;
}

/** One answered request, as the request log and metrics see it. */
export interface AnsweredRequest {
  readonly method: string;
  /** The path, without the query (which may carry tokens). */
  readonly path: string;
  /** The operation matched, when one was. */
  readonly operation: string | undefined;
  readonly status: number;
  /** The catalogue code of a refusal. */
  readonly code: string | undefined;
  readonly durationMs: number;
  /** `x-ms-request-id`: given to every request, and sent back. */
  readonly requestId: string;
  /** `x-ms-client-request-id`, when the client sent one (echoed back). */
  readonly clientRequestId: string | undefined;
  /** The caller's address. */
  readonly client: string;
}

/** A request handler for `node:http`. */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

const MERGE_PATCH_TYPES: ReadonlySet<string> = new Set(['application/merge-patch+json', 'application/json']);

/**
 * The REST face: Azure's Job Router API over the operations table. Every request is answered, and only refusals
 * from the catalogue reach the client; an unexpected fault is logged and answered 500 without details.
 *
 * Order of checks: body size (413), rate (429, before identity so a flood of bad credentials is throttled too),
 * identity (401, or 403 for a non-loopback client without a key), route (404), `api-version` (400), permission
 * (403), then the operation's own validation.
 */
export function createRestHandler(options: RestHandlerOptions): RequestHandler {
  return async (request, response) => {
    const matched: { operation?: string } = {};
    const ids = identifyRequest(request, response);
    if (options.observe) {
      const startedAt = performance.now();
      const observe = options.observe;
      response.once('finish', () =>
        observe({
          method: request.method ?? '',
          path: (request.url ?? '/').split('?')[0]!.slice(0, 512),
          operation: matched.operation,
          status: response.statusCode,
          code: response.getHeader('x-ms-error-code') as string | undefined,
          durationMs: performance.now() - startedAt,
          ...ids,
          client: request.socket.remoteAddress ?? 'unknown',
        }),
      );
    }
    try {
      await handle(options, request, response, matched);
    } catch (error) {
      if (error instanceof RouterError) return sendError(response, error);
      options.log(`internal error on ${request.method} ${request.url}: ${error instanceof Error ? error.stack : String(error)}`);
      sendError(response, new RouterError('InternalError', 'an unexpected error occurred'));
    }
  };
}

/**
 * Gives the request its `x-ms-request-id` and echoes the client's `x-ms-client-request-id` (as Azure does), on
 * every answer including refusals, when it is one {@link clientRequestIdOf} accepts.
 */
function identifyRequest(request: IncomingMessage, response: ServerResponse): { requestId: string; clientRequestId: string | undefined } {
  const requestId = randomUUID();
  response.setHeader('x-ms-request-id', requestId);
  const clientRequestId = clientRequestIdOf(request.headers);
  if (clientRequestId !== undefined) response.setHeader('x-ms-client-request-id', clientRequestId);
  return { requestId, clientRequestId };
}

async function handle(
  options: RestHandlerOptions,
  request: IncomingMessage,
  response: ServerResponse,
  matched: { operation?: string },
): Promise<void> {
  const fullUrl = targetUrl(request.url ?? '/');
  const url = withoutBasePath(fullUrl, options.basePath);
  const method = request.method ?? '';
  if (answerProbe(options.router, url.pathname, method, response) || answerOpenApi(url.pathname, method, response)) return;
  if (options.console?.(request, url.pathname, response)) return;

  const read = await readBody(request, options.maxBodyBytes);
  if (read.kind === 'aborted') return;
  if (read.kind === 'tooLarge')
    return sendErrorThenClose(request, response, new RouterError('PayloadTooLarge', `the body exceeds ${options.maxBodyBytes} bytes`, 'body'));

  const principal = identify(options, request, read.body);
  const remote = request.socket.remoteAddress ?? 'unknown';
  const taken = options.rateLimiter.take(rateKey(principal, remote));
  if (!taken.ok)
    return sendError(response, new RouterError('ThrottleLimitExceeded', 'too many requests; retry after the Retry-After delay'), {
      'retry-after': String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))),
    });
  if (principal === undefined) {
    if (options.accessKey === undefined)
      throw new RouterError('Forbidden', 'this server has no access key and accepts only loopback clients');
    return sendError(response, new RouterError('Unauthorized', 'the request is not authenticated'), {
      'www-authenticate': 'HMAC-SHA256, Bearer',
    });
  }

  if (options.metrics && url.pathname === '/metrics' && method === 'GET') {
    if (principal.kind !== 'admin') throw new RouterError('Forbidden', 'metrics are for admin credentials only');
    const text = await options.metrics.render();
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
    return;
  }

  if (options.console && answerConsoleData(options.router, url, method, principal, response)) return;

  const route = matchPath(method, url.pathname);
  if (route === undefined) throw new RouterError('RouteNotFound', `no operation ${method} ${url.pathname.slice(0, 256)}`);
  requireApiVersion(url.searchParams);
  const { operation, params } = route;
  matched.operation = operation.name;
  // The path decides first (before the media type and JSON are looked at); the body's fields then, once parsed.
  requireAuthorized(principal, operation, params);
  const args = argsOf(operation, request, url, read.body, params);
  requireAuthorized(principal, operation, args);

  const invocation = await options.router.invoke(operation, args, {
    accessKey: options.accessKey,
    ...(operation.kind === 'upsert' ? { preconditions: preconditionsOf(request) } : {}),
  });
  respond(operation, invocation, request, response, fullUrl);
}

/** The URL as the router sees it: without the prefix it is served under (the caller routed it here by that prefix). */
function withoutBasePath(url: URL, basePath: string | undefined): URL {
  if (basePath === undefined) return url;
  const inside = new URL(url);
  inside.pathname = url.pathname.slice(basePath.length) || '/';
  return inside;
}

/**
 * The request target as a URL. Origin-form (`/path?query`) is read as a path even when it starts with `//`, which
 * a base URL would take for a host; absolute-form (from proxies) is taken as is; anything else is refused.
 */
function targetUrl(target: string): URL {
  refuseAmbiguousPath(target);
  const text = target.startsWith('/') ? `http://switchboard${target}` : target;
  if (!URL.canParse(text)) throw new RouterError('InvalidRequest', 'the request target is not a valid URL', 'path');
  return new URL(text);
}

/**
 * A URL parser resolves `.` and `..` segments (also percent-encoded ones) and reads a backslash as `/`, so
 * `/routing/jobs/../workers/x` would reach a worker. Such a path means something other than it says; it is refused,
 * never normalised. Encoded slashes are refused too: they would make one segment read as two.
 *
 * @throws RouterError `InvalidRequest` with target `path`
 */
function refuseAmbiguousPath(target: string): void {
  const path = target.split(/[?#]/, 1)[0] ?? '';
  if (/\\|%5c|%2f/i.test(path))
    throw new RouterError('InvalidRequest', 'the path must not contain backslashes or encoded slashes', 'path');
  for (const segment of path.split('/'))
    if (/^(\.|%2e){1,2}$/i.test(segment))
      throw new RouterError('InvalidRequest', 'the path must not contain "." or ".." segments', 'path');
}

/** The caller, or `undefined` when it is not allowed in at all. */
function identify(options: RestHandlerOptions, request: IncomingMessage, body: Buffer): Principal | undefined {
  if (options.accessKey !== undefined) return authenticate(request, body, options.accessKey, options.now());
  return isLoopbackAddress(request.socket.remoteAddress) ? { kind: 'admin' } : undefined;
}

function matchPath(method: string, path: string) {
  try {
    return matchRoute(method, path);
  } catch {
    throw new RouterError('InvalidRequest', 'a path parameter is not valid percent-encoding', 'path');
  }
}

/** One flat object: the body's fields, a list's query parameters, then the path parameters, which win. */
function argsOf(
  operation: Operation,
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  params: Readonly<Record<string, string>>,
): Record<string, unknown> {
  if (operation.kind === 'list') {
    const query = Object.fromEntries(url.searchParams);
    delete query['api-version'];
    return { ...query, ...params };
  }
  const hasBody = operation.kind === 'upsert' || (operation.kind === 'action' && body.length > 0);
  if (!hasBody) return { ...params };
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!MERGE_PATCH_TYPES.has(mediaType))
    throw new RouterError(
      'UnsupportedMediaType',
      `the body must be application/merge-patch+json or application/json, not ${JSON.stringify(mediaType.slice(0, 64))}`,
      'Content-Type',
    );
  return { ...parseJsonObject(body), ...params };
}

function preconditionsOf(request: IncomingMessage) {
  return { ifMatch: request.headers['if-match'], ifUnmodifiedSince: request.headers['if-unmodified-since'] };
}

function respond(operation: Operation, invocation: Invocation<unknown>, request: IncomingMessage, response: ServerResponse, url: URL): void {
  const headers: OutgoingHttpHeaders = {};
  if (invocation.etag !== undefined) headers['etag'] = invocation.etag;
  if (invocation.lastModified !== undefined) headers['last-modified'] = new Date(invocation.lastModified).toUTCString();
  switch (operation.kind) {
    case 'delete':
      return sendJson(response, 204, undefined);
    case 'upsert':
      return sendJson(response, invocation.created ? 201 : 200, invocation.result, headers);
    case 'list': {
      // REST pages link to the next page instead of handing out the token.
      const { nextPageToken, ...page } = isPlainObject(invocation.result) ? invocation.result : {};
      const link = typeof nextPageToken === 'string' ? { nextLink: nextLink(request, url, nextPageToken) } : {};
      return sendJson(response, 200, { ...page, ...link });
    }
    default:
      return sendJson(response, 200, invocation.result, headers);
  }
}
