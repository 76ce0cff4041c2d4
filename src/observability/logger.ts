import { pino, type Logger, type LevelWithSilent } from 'pino';
import type { AnsweredRequest } from '../gateway/http/rest-handler.ts';

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
    durationMs: Math.round(request.durationMs * 1000) / 1000,
    requestId: request.requestId,
    clientRequestId: request.clientRequestId,
    client: request.client,
  };
  if (request.status >= 500) logger.error(line);
  else if (request.status < 400 && SCRAPED.has(request.path)) logger.debug(line);
  else logger.info(line);
}
