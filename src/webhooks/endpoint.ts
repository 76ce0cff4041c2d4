import type { DeliveryOutcome } from '../protocol/event-subscription.schemas.ts';
import { WEBHOOK_REQUEST_ORIGIN, validationEvent, type Payload } from './payloads.ts';

/** How one request to an endpoint went. */
export interface Attempt {
  readonly outcome: DeliveryOutcome;
  readonly statusCode?: number | undefined;
  /** From a `Retry-After` header (seconds or an HTTP date), when the endpoint sent one. */
  readonly retryAfterMs?: number | undefined;
  readonly error?: string | undefined;
}

/** An endpoint's answer, before it is judged. */
interface Answer {
  readonly response?: Response;
  readonly failure?: Attempt;
}

const MAX_ERROR_LENGTH = 1024;

function clip(text: string): string {
  return text.length <= MAX_ERROR_LENGTH ? text : `${text.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Sends one request, bounded by `timeoutMs` and by `stop` (the subscription changing or the router closing).
 * Redirects are not followed: Event Grid does not, and following one would send signed events somewhere the
 * subscription does not name.
 */
async function send(url: string, init: RequestInit, timeoutMs: number, stop: AbortSignal): Promise<Answer> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.any([timeout, stop]) });
    return { response };
  } catch (error) {
    if (timeout.aborted) return { failure: { outcome: 'Timeout', error: `no answer within ${timeoutMs} ms` } };
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { failure: { outcome: 'NetworkError', error: clip(`${error instanceof Error ? error.message : String(error)}${cause}`) } };
  }
}

/** The most of an answer's body that is read: enough for a validation answer or an error message. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads an answer's body, within the same bounds as the request and at most {@link MAX_BODY_BYTES} of it: an endpoint
 * that streams without end must not hold the courier or fill its memory.
 */
async function bodyOf(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut off (timeout, reset) leaves what arrived.
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

/** POSTs a delivery. 2xx is success; anything else is an `HttpError` carrying the status. */
export async function deliver(
  url: string,
  payload: Payload,
  headers: Record<string, string>,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<Attempt> {
  const { response, failure } = await send(url, { method: 'POST', headers: { ...headers, 'content-type': payload.contentType }, body: payload.body }, timeoutMs, stop);
  if (!response) return failure!;
  const text = await bodyOf(response);
  if (response.ok) return { outcome: 'Succeeded', statusCode: response.status };
  return {
    outcome: 'HttpError',
    statusCode: response.status,
    retryAfterMs: retryAfterMs(response.headers.get('retry-after'), Date.now()),
    error: clip(`HTTP ${response.status}${text ? `: ${text}` : ''}`),
  };
}

/**
 * Event Grid's validation handshake for its own schema: a `Microsoft.EventGrid.SubscriptionValidationEvent` whose
 * `validationCode` the endpoint echoes as `{"validationResponse": code}`.
 */
export async function validateEventGridEndpoint(url: string, topic: string, timeoutMs: number, stop: AbortSignal): Promise<Attempt> {
  const { code, payload } = validationEvent(topic, Date.now());
  const headers = { 'content-type': payload.contentType, 'aeg-event-type': 'SubscriptionValidation' };
  const { response, failure } = await send(url, { method: 'POST', headers, body: payload.body }, timeoutMs, stop);
  if (!response) return failure!;
  const text = await bodyOf(response);
  if (!response.ok) return { outcome: 'HttpError', statusCode: response.status, error: clip(`validation: HTTP ${response.status}${text ? `: ${text}` : ''}`) };
  let echoed: unknown;
  try {
    echoed = (JSON.parse(text) as { validationResponse?: unknown }).validationResponse;
  } catch {
    echoed = undefined;
  }
  if (echoed === code) return { outcome: 'Succeeded', statusCode: response.status };
  return { outcome: 'ValidationFailed', statusCode: response.status, error: 'validation: the answer did not echo validationCode as validationResponse' };
}

/**
 * The CloudEvents webhook handshake (the "abuse protection" of CloudEvents' HTTP webhook spec, as Event Grid runs it):
 * an `OPTIONS` request with `WebHook-Request-Origin`, answered with a matching (or `*`) `WebHook-Allowed-Origin`.
 */
export async function validateCloudEventsEndpoint(url: string, timeoutMs: number, stop: AbortSignal): Promise<Attempt> {
  const { response, failure } = await send(url, { method: 'OPTIONS', headers: { 'webhook-request-origin': WEBHOOK_REQUEST_ORIGIN } }, timeoutMs, stop);
  if (!response) return failure!;
  await bodyOf(response);
  if (!response.ok) return { outcome: 'HttpError', statusCode: response.status, error: `validation: HTTP ${response.status}` };
  const allowed = response.headers.get('webhook-allowed-origin')?.split(',').map((origin) => origin.trim());
  if (allowed?.includes(WEBHOOK_REQUEST_ORIGIN) || allowed?.includes('*')) return { outcome: 'Succeeded', statusCode: response.status };
  return { outcome: 'ValidationFailed', statusCode: response.status, error: `validation: WebHook-Allowed-Origin does not allow ${WEBHOOK_REQUEST_ORIGIN}` };
}
