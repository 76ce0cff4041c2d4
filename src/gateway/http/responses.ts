import { STATUS_CODES, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
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
  response
    .writeHead(status, {
      ...COMMON_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    })
    .end(text);
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
