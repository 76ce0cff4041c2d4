import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData } from 'ws';
import type { Metrics } from '../../observability/metrics.ts';
import type { Router } from '../../router.ts';
import type { Principal } from '../../auth/tokens.ts';
import { clientRequestIdOf } from '../http/client-identity.ts';
import { rateKey, type RateLimiter } from '../rate-limit.ts';
import { CLOSE_GRACE_MS, Connection, type ConnectionClose } from './connection.ts';
import { dispatch, type DispatchContext } from './dispatch.ts';
import { closeWhenTokenExpires } from './token-expiry.ts';
import { authenticateUpgrade } from './upgrade-auth.ts';
import { WorkerSessions } from './worker-sessions.ts';

/** The path the gateway answers on. */
export const WS_PATH = '/ws';

/** Defaults of {@link WsGatewayOptions}. */
export const WS_DEFAULTS = {
  /** 1 MiB: far above any legitimate request, small enough that parsing a hostile one is cheap. */
  maxPayload: 1024 * 1024,
  /** 8 MiB queued for one client before it is closed as too slow. */
  highWaterMark: 8 * 1024 * 1024,
  heartbeatMs: 30_000,
  maxInFlight: 256,
} as const;

/** One connection as the connection log sees it when it opens: which, from where, as whom. */
export interface OpenedConnection {
  /** A fresh UUID, in the lines of its opening and of its closing. */
  readonly connectionId: string;
  /** The caller's address. */
  readonly client: string;
  readonly principal: Principal;
  /** The upgrade request's `x-ms-client-request-id`, when it sent one that REST would echo. */
  readonly clientRequestId: string | undefined;
}

/** One connection once closed: how, after how long, and how many messages went over it. */
export interface ClosedConnection extends OpenedConnection, ConnectionClose {
  readonly durationMs: number;
  readonly messagesReceived: number;
  readonly messagesSent: number;
}

/** Told of every connection when it opens and once it has closed: the connection log. */
export interface ConnectionObserver {
  opened(connection: OpenedConnection): void;
  closed(connection: ClosedConnection): void;
}

/** Options of {@link createWsGateway}. */
export interface WsGatewayOptions {
  readonly router: Router;
  /** The path it answers on; default {@link WS_PATH}, `/<router>/ws` for each router of a server hosting several. */
  readonly path?: string | undefined;
  /** The server's access key; without one only loopback clients are let in. */
  readonly accessKey?: string | undefined;
  /** Largest message accepted, in bytes; a larger one closes the connection with 1009. */
  readonly maxPayload?: number | undefined;
  /** Bytes queued for a client beyond which it is closed with 4008. */
  readonly highWaterMark?: number | undefined;
  /** Ping interval; a client that has not answered the previous ping by the next one is terminated. */
  readonly heartbeatMs?: number | undefined;
  /** Requests one connection may have received and not yet answered before the gateway stops reading from it. */
  readonly maxInFlight?: number | undefined;
  /** Charges every request to its client's budget (shared with REST); without one, requests are not rate-limited. */
  readonly rateLimiter?: RateLimiter | undefined;
  /** Clock for worker-token expiry; default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** Where faults that are not a client's are reported; default `console.error`. */
  readonly logError?: ((message: string, error: unknown) => void) | undefined;
  /** Told of every connection opened and closed. */
  readonly observe?: ConnectionObserver | undefined;
  /** Given the gateway's gauges (connections, bytes buffered), read at scrape time. */
  readonly metrics?: Pick<Metrics, 'setWsSource'> | undefined;
}

/** The WebSocket face of Switchboard, attached to an HTTP server's `upgrade` event. */
export interface WsGateway {
  /**
   * Takes over an HTTP upgrade: refuses other paths with 404 and unauthenticated clients with 401, otherwise opens
   * the WebSocket.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * The first step of a graceful shutdown: refuses new upgrades with 503, answers messages that arrive from now on
   * with `ShuttingDown`, and resolves once every request received before has been answered. Connections stay open.
   */
  drain(): Promise<void>;
  /** Requests received before the shutdown began and not yet answered, over every connection. */
  readonly owedAnswers: number;
  /**
   * Closes every connection with 1001 (after the answers already sent), dropping those that have not completed the
   * closing handshake within `graceMs` (default {@link CLOSE_GRACE_MS}), and stops the heartbeat and the offer feed.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Creates the WebSocket gateway: the operations table plus `subscribe`, `unsubscribe` and `attachWorker` over
 * `{"id", "op", "args"}` requests (see `docs/protocol.md`).
 */
export function createWsGateway(options: WsGatewayOptions): WsGateway {
  const logError = options.logError ?? ((message, error) => console.error(message, error));
  const now = options.now ?? Date.now;
  const limits = {
    highWaterMark: options.highWaterMark ?? WS_DEFAULTS.highWaterMark,
    maxInFlight: options.maxInFlight ?? WS_DEFAULTS.maxInFlight,
  };
  const sessions = new WorkerSessions(options.router, logError);
  const context: DispatchContext = {
    router: options.router,
    sessions,
    accessKey: options.accessKey,
    rateLimiter: options.rateLimiter,
    logError,
  };
  // Connections are tracked here, with their principal and limits; ws's own set would be a second copy.
  const server = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: options.maxPayload ?? WS_DEFAULTS.maxPayload });
  const connections = new Set<Connection>();
  options.metrics?.setWsSource(() => {
    let bufferedBytes = 0;
    for (const connection of connections) bufferedBytes += connection.bufferedAmount;
    return { connections: connections.size, bufferedBytes };
  });
  const { observe } = options;
  const path = options.path ?? WS_PATH;
  let draining = false;
  const handle = (connection: Connection, data: RawData, arrivedDuringShutdown: boolean) =>
    dispatch(context, connection, data, arrivedDuringShutdown);
  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat();
  }, options.heartbeatMs ?? WS_DEFAULTS.heartbeatMs);
  // The HTTP server keeps the process alive; a gateway whose server never started must not.
  heartbeat.unref();

  return {
    handleUpgrade(request, socket, head) {
      if (draining) return refuse(socket, '503 Service Unavailable');
      if (new URL(request.url ?? '/', 'http://upgrade').pathname !== path) return refuse(socket, '404 Not Found');
      const principal = authenticateUpgrade(request, options.accessKey, now());
      if (principal === undefined) return refuse(socket, '401 Unauthorized');
      server.handleUpgrade(request, socket, head, (websocket) => {
        const connection = new Connection(websocket, principal, limits, rateKey(principal, request.socket.remoteAddress), handle);
        const opened: OpenedConnection = {
          connectionId: randomUUID(),
          client: request.socket.remoteAddress ?? 'unknown',
          principal,
          clientRequestId: clientRequestIdOf(request.headers),
        };
        const openedAt = performance.now();
        connections.add(connection);
        observe?.opened(opened);
        connection.onClose((closed) => {
          connections.delete(connection);
          observe?.closed({
            ...opened,
            ...closed,
            durationMs: performance.now() - openedAt,
            messagesReceived: connection.messagesReceived,
            messagesSent: connection.messagesSent,
          });
        });
        closeWhenTokenExpires(connection, now);
        if (draining) void connection.drain();
      });
    },
    async drain() {
      draining = true;
      await Promise.all([...connections].map((connection) => connection.drain()));
    },
    get owedAnswers() {
      let owed = 0;
      for (const connection of connections) owed += connection.owedAnswers;
      return owed;
    },
    async close(graceMs = CLOSE_GRACE_MS) {
      clearInterval(heartbeat);
      await sessions.close();
      await Promise.all([...connections].map((connection) => connection.shutdown(graceMs)));
      server.close();
    },
  };
}

/** Answers an upgrade with a bare HTTP error and drops the socket; nothing more is revealed. */
function refuse(socket: Duplex, status: '401 Unauthorized' | '404 Not Found' | '503 Service Unavailable'): void {
  socket.on('error', () => socket.destroy());
  const challenge = status === '401 Unauthorized' ? 'WWW-Authenticate: Bearer\r\n' : '';
  socket.end(`HTTP/1.1 ${status}\r\n${challenge}Connection: close\r\nContent-Length: 0\r\n\r\n`);
}
