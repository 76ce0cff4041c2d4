/**
 * How a cluster node serves a router another node owns: it forwards. A REST request is proxied to the owner's
 * advertised address with its method, path, query, headers (`Host` included, so that the owner checks an HMAC
 * signature exactly as the client made it) and body, plus `x-forwarded-*`; a WebSocket upgrade is relayed, bytes
 * piped both ways until either end closes, which closes the other.
 *
 * A forwarded request carries {@link FORWARDED_HEADER} and is never forwarded again: when two nodes disagree about
 * who owns a router (one has just lost it, the other not yet seen it taken), the second answers 503 `NotOwner`
 * instead of sending it back, so there can be no loop. So does a node while no node owns the router (mid-takeover,
 * or the owner unreachable), with `Retry-After`.
 *
 * @module
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { RouterError } from '../errors.ts';
import { rawErrorResponse, sendError, sendJson } from '../gateway/http/responses.ts';
import type { ServedElsewhere } from '../gateway/multi-router-server.ts';

/** Marks a request one node forwarded to another; its value is the forwarding node's id. */
export const FORWARDED_HEADER = 'x-switchboard-forwarded';

/** How long a client should wait before trying again while no node serves a router: about one takeover. */
const RETRY_AFTER_SECONDS = '1';

/** Headers of one connection, not of the request: never passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/** What the forwarding needs to know of the node it runs on. */
export interface ForwardingOptions {
  /** Every router of the deployment. */
  readonly names: readonly string[];
  /** This node's id, carried by what it forwards. */
  readonly selfId: string;
  /** Where the router's owner serves, or `undefined` while no other node owns it. */
  readonly ownerOf: (name: string) => Promise<string | undefined>;
  /**
   * How long an owner may stay silent on a forwarded request before the client is answered `OwnerUnresponsive`:
   * without a bound, a client whose request reached a paused owner would wait as long as the pause.
   */
  readonly timeoutMs: number;
  /** Where a failure to reach an owner is logged. */
  readonly log: (message: string) => void;
}

/** The forwarding of a cluster node: what the multi-router server calls for each router it does not serve. */
export interface Forwarding extends ServedElsewhere {
  /**
   * Told what the node's look at the cluster found: where `name` is served now (`undefined`: nowhere). Requests and
   * WebSocket relays still waiting on another owner are ended at once — that owner has lost the router (paused,
   * cut off, dead), and waiting on it would hold the client until the timeout for nothing.
   */
  ownerChanged(name: string, owner: string | undefined): void;
}

/** A request or relay under way to an owner, and how to end it. */
interface Forward {
  readonly owner: string;
  readonly end: () => void;
}

export function createForwarding(options: ForwardingOptions): Forwarding {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  const underWay = new Map<string, Set<Forward>>();
  const track = (name: string, forward: Forward) => {
    const forwards = underWay.get(name) ?? new Set<Forward>();
    underWay.set(name, forwards.add(forward));
    return () => forwards.delete(forward);
  };
  const notOwner = (name: string) =>
    new RouterError('NotOwner', `no node serves router ${name} right now (it is being taken over); retry in a moment`);

  return {
    names: options.names,
    ownerChanged(name, owner) {
      for (const forward of underWay.get(name) ?? []) if (forward.owner !== owner) forward.end();
    },
    async handle(name, request, response) {
      const pathname = (request.url ?? '/').split(/[?#]/, 1)[0];
      const owner = await options.ownerOf(name).catch(() => undefined);
      // A router's readiness is this node's own: ready only where it is served, so a load balancer can tell.
      if (pathname === `/${name}/readyz`) {
        request.resume();
        return sendJson(response, 503, { status: 'notOwner', code: 'NotOwner', ownerUrl: owner });
      }
      if (owner === undefined || request.headers[FORWARDED_HEADER] !== undefined) {
        request.resume();
        return sendError(response, notOwner(name), { 'retry-after': RETRY_AFTER_SECONDS });
      }
      const target = new URL(owner);
      const secure = target.protocol === 'https:';
      const upstream = (secure ? httpsRequest : httpRequest)({
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: request.method,
        // The target as received, appended to the owner's origin: never resolved, so `//other/…` stays on the owner.
        path: request.url,
        headers: forwardedHeaders(request, options.selfId),
        agent: secure ? agents.https : agents.http,
      });
      // Given up on: the owner stayed silent past the timeout, or lost the router meanwhile.
      let abandoned = false;
      const abandon = (why: string) => {
        abandoned = true;
        upstream.destroy(new Error(why));
      };
      const untrack = track(name, { owner, end: () => abandon('it no longer owns the router') });
      upstream.on('response', (answer: IncomingMessage) => {
        // Answered: whatever the owner's fate now, the answer is passed on whole.
        untrack();
        response.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        answer.pipe(response);
        answer.on('error', () => response.destroy());
      });
      upstream.setTimeout(options.timeoutMs, () => abandon(`no answer within ${options.timeoutMs} ms`));
      upstream.on('error', (error) => {
        if (response.headersSent) return response.destroy();
        options.log(`forwarding to ${owner} failed: ${error.message}`);
        const refusal = abandoned
          ? new RouterError('OwnerUnresponsive', `the node serving router ${name} did not answer in time; the request may or may not have taken effect`)
          : notOwner(name);
        sendError(response, refusal, { 'retry-after': RETRY_AFTER_SECONDS });
      });
      request.pipe(upstream);
      // A client that goes away takes its forwarded request with it.
      response.on('close', () => {
        untrack();
        if (!response.writableFinished) upstream.destroy();
      });
    },
    async upgrade(name, request, socket, head) {
      socket.on('error', () => socket.destroy());
      const owner = await options.ownerOf(name).catch(() => undefined);
      if (owner === undefined || request.headers[FORWARDED_HEADER] !== undefined) return void socket.end(rawErrorResponse(notOwner(name)));
      const upstream = relayUpgrade(new URL(owner), request, socket, head, options.selfId, () => socket.end(rawErrorResponse(notOwner(name))));
      const untrack = track(name, { owner, end: () => upstream.destroy() });
      socket.on('close', untrack);
    },
  };
}

/** The request's headers as the owner receives them: the client's own, `Host` included, and where it came from. */
function forwardedHeaders(request: IncomingMessage, selfId: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = withoutHopByHop(request.headers);
  const client = request.socket.remoteAddress ?? 'unknown';
  const before = request.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = before === undefined ? client : `${String(before)}, ${client}`;
  if (request.headers['x-forwarded-host'] === undefined && request.headers.host !== undefined) headers['x-forwarded-host'] = request.headers.host;
  // A load balancer in front that terminated TLS has said so already; otherwise the client spoke plain HTTP here.
  headers['x-forwarded-proto'] ??= 'http';
  headers[FORWARDED_HEADER] = selfId;
  return headers;
}

function withoutHopByHop(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
}

/**
 * Opens a connection to the owner, sends it the upgrade request as received (plus the forwarding headers) and the
 * bytes already read past it, then pipes both ways. `unreachable` answers the client when the owner cannot be reached.
 * Returns the connection to the owner: destroying it ends the relay.
 */
function relayUpgrade(target: URL, request: IncomingMessage, socket: Duplex, head: Buffer, selfId: string, unreachable: () => void): Duplex {
  const secure = target.protocol === 'https:';
  const port = Number(target.port || (secure ? 443 : 80));
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  const upstream = secure ? tlsConnect({ host: hostname, port, servername: hostname }) : netConnect({ host: hostname, port });
  let connected = false;
  upstream.once(secure ? 'secureConnect' : 'connect', () => {
    connected = true;
    const headers = forwardedHeaders(request, selfId);
    // The upgrade's own hop-by-hop headers are what make it one: passed on as sent.
    headers['connection'] = request.headers.connection ?? 'Upgrade';
    headers['upgrade'] = request.headers.upgrade ?? 'websocket';
    const lines = Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((one) => `${name}: ${one}`));
    upstream.write(`${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on('error', () => {
    if (!connected) return unreachable();
    upstream.destroy();
  });
  // Either end closing closes the other: a client whose owner died reconnects, an owner whose client left stops.
  upstream.on('close', () => {
    if (connected) socket.destroy();
  });
  socket.on('close', () => upstream.destroy());
  return upstream;
}
