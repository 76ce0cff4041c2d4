import { pino, type Logger, type LevelWithSilent } from 'pino';
import type { AnsweredRequest } from '../gateway/http/rest-handler.ts';
import { WS_CLOSE_CODES } from '../gateway/ws/close-codes.ts';
import type { ClosedConnection, OpenedConnection } from '../gateway/ws/gateway.ts';
import type { AttemptReport } from '../webhooks/courier.ts';

export type { Logger } from 'pino';

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * The server's structured log: one JSON object per line on stderr (stdout carries only the start-up line), written
 * asynchronously so that logging every request never blocks the event loop on the terminal or pipe; `flush`
 * before exiting.
 */
export function createLogger(level: LevelWithSilent, destination: number | NodeJS.WritableStream = 2): Logger {
  const stream = typeof destination === 'number' ? pino.destination({ dest: destination, sync: false }) : destination;
  return pino(
    {
      level,
      base: { service: 'switchboard' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not pino's numbers: what log pipelines and people filter on.
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

/** Paths scraped by machines every few seconds: logged only at debug, so they do not drown the requests. */
const SCRAPED: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One line per REST request: answers and refusals the client caused at info, faults of the server at error, and
 * successful probes and scrapes at debug.
 */
export function logRequest(logger: Logger, request: AnsweredRequest): void {
  const line = {
    msg: 'request',
    method: request.method,
    path: request.path,
    operation: request.operation,
    status: request.status,
    code: request.code,
    durationMs: roundedToMicroseconds(request.durationMs),
    requestId: request.requestId,
    clientRequestId: request.clientRequestId,
    client: request.client,
  };
  if (request.status >= 500) logger.error(line);
  else if (request.status < 400 && SCRAPED.has(request.path)) logger.debug(line);
  else logger.info(line);
}

/** Codes of a connection ending as it should: done (1000), going away (1001: a shutdown, a page left) or no code given (1005). */
const NORMAL_CLOSE_CODES: ReadonlySet<number> = new Set([1000, WS_CLOSE_CODES.goingAway.code, 1005]);

/**
 * The level of a WebSocket connection's closing line: info for a normal close, error when the server closed it for a
 * fault of its own (1011), warn for everything else — a policy close (4001, 4008, 4029), a protocol error (1002,
 * 1007, 1009), a missed heartbeat or a connection dropped without a close frame (1006), or a client's own code.
 */
export function wsCloseLevel(closed: Pick<ClosedConnection, 'closeCode' | 'closedBy' | 'errorCode'>): 'info' | 'warn' | 'error' {
  if (closed.closedBy === 'server' && closed.closeCode === WS_CLOSE_CODES.internalError.code) return 'error';
  return NORMAL_CLOSE_CODES.has(closed.closeCode) && closed.errorCode === undefined ? 'info' : 'warn';
}

/** One line when a WebSocket connection opens, at info. Never the token: only whose it is. */
export function logWsConnect(logger: Logger, connection: OpenedConnection): void {
  logger.info({ msg: 'ws connect', ...connectionFields(connection) });
}

/** One line when a WebSocket connection has closed, at {@link wsCloseLevel}. Messages themselves are not logged. */
export function logWsDisconnect(logger: Logger, connection: ClosedConnection): void {
  logger[wsCloseLevel(connection)]({
    msg: 'ws disconnect',
    ...connectionFields(connection),
    closeCode: connection.closeCode,
    reason: connection.reason,
    closedBy: connection.closedBy,
    code: connection.errorCode,
    durationMs: roundedToMicroseconds(connection.durationMs),
    messagesReceived: connection.messagesReceived,
    messagesSent: connection.messagesSent,
  });
}

function connectionFields(connection: OpenedConnection) {
  const { principal } = connection;
  return {
    connectionId: connection.connectionId,
    client: connection.client,
    auth: principal.kind,
    workerId: principal.kind === 'worker' ? principal.workerId : undefined,
    clientRequestId: connection.clientRequestId,
  };
}

/**
 * One line per request to a webhook endpoint: a delivery that succeeded at debug (the event feed already records
 * what happened), a failed one at warn, and one after which the batch was dead-lettered at error.
 */
export function logWebhookAttempt(logger: Logger, report: AttemptReport): void {
  const { attempt } = report;
  const line = {
    msg: report.kind === 'validation' ? 'webhook validation' : 'webhook delivery',
    eventSubscriptionId: report.eventSubscriptionId,
    outcome: attempt.outcome,
    status: attempt.statusCode,
    events: report.kind === 'delivery' ? report.events : undefined,
    error: attempt.error,
    deadLetterReason: report.deadLettered,
    durationMs: roundedToMicroseconds(report.durationMs),
  };
  if (report.deadLettered) logger.error(line);
  else if (attempt.outcome === 'Succeeded') logger.debug(line);
  else logger.warn(line);
}

/** Milliseconds, rounded to the microsecond. */
function roundedToMicroseconds(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
