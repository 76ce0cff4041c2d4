import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { errorCatalogue, type RouterError } from '../../errors.ts';
import { SUPPORTED_API_VERSIONS } from './api-version.ts';

/** Headers on every answer, as Azure sends them. */
const COMMON_HEADERS: OutgoingHttpHeaders = { 'api-supported-versions': SUPPORTED_API_VERSIONS.join(', ') };

/** Sends a JSON body (or none, for 204). */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  if (response.headersSent) return;
  if (body === undefined) {
    response.writeHead(status, { ...COMMON_HEADERS, ...headers }).end();
    return;
  }
  const text = JSON.stringify(body);
  writeJsonHead(response, status, text, headers).end(text);
}

function writeJsonHead(response: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders): ServerResponse {
  return response.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
}

/**
 * Azure's error body as the live service sent it: `communicationError` with Azure's generic `code`, and the precise
 * catalogue code in `details[0].code` and the `x-ms-error-code` header.
 */
export function errorBody(error: RouterError) {
  return {
    communicationError: {
      code: errorCatalogue[error.code].azureCode,
      message: error.message,
      ...(error.target === undefined ? {} : { target: error.target }),
      details: [{ code: error.code, message: error.message }],
    },
  };
}

/** Sends a refusal with the catalogue's status. */
export function sendError(response: ServerResponse, error: RouterError, headers: OutgoingHttpHeaders = {}): void {
  sendJson(response, error.status, errorBody(error), { 'x-ms-error-code': error.code, ...headers });
}

/**
 * How long, and how many bytes, the rest of a refused request's body is read and dropped before its connection is
 * closed anyway: enough for any client that stops sending once answered, or sends what it declared.
 */
export const LINGER_LIMITS = { ms: 2000, bytes: 4 * 1024 * 1024 } as const;

/**
 * Sends a refusal with `Connection: close` for a request whose body is not read (too large, or arrived during a
 * shutdown). The answer is written at once, but the exchange ends, and Node closes the socket, only once the client
 * has stopped sending or {@link LINGER_LIMITS} is reached: a socket closed while data still arrives is reset by the
 * kernel, and a client still writing its body would see EPIPE or ECONNRESET instead of the answer.
 */
export function sendErrorThenClose(request: IncomingMessage, response: ServerResponse, error: RouterError, headers: OutgoingHttpHeaders = {}): void {
  if (response.headersSent) return;
  const text = JSON.stringify(errorBody(error));
  writeJsonHead(response, error.status, text, { 'x-ms-error-code': error.code, ...headers, connection: 'close' }).write(text);
  whenRequestEnds(request, () => response.end());
}

/** Runs `then` once, when the request's body has been read to its end (dropping it), or the limits are reached. */
function whenRequestEnds(request: IncomingMessage, then: () => void): void {
  if (request.complete || request.destroyed) return then();
  let dropped = 0;
  const finish = () => {
    clearTimeout(timer);
    request.off('data', count).off('end', finish).off('close', finish);
    then();
  };
  const count = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_LIMITS.bytes) finish();
  };
  const timer = setTimeout(finish, LINGER_LIMITS.ms);
  request.on('data', count).once('end', finish).once('close', finish);
  request.resume();
}

/**
 * The same refusal as raw HTTP/1.1 bytes, for requests Node's parser rejects before any `ServerResponse` exists.
 * The connection is closed after it.
 */
export function rawErrorResponse(error: RouterError): string {
  const text = JSON.stringify(errorBody(error));
  return [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(text)}`,
    `x-ms-error-code: ${error.code}`,
    'connection: close',
    '',
    text,
  ].join('\r\n');
}
