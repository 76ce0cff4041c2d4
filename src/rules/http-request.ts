import { ruleFailure, type RuleFailure } from './rule-errors.ts';

/** How HTTP rules reach the network; shared by function calls, webhook calls and token requests. */
export interface HttpSettings {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

/** The abort signal bounding one evaluation (or one token request), and the budget it was created with. */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly ms: number;
}

/** Starts a deadline `ms` from now. The timer is Node's, so waiting never blocks the event loop. */
export function deadlineIn(ms: number): Deadline {
  return { signal: AbortSignal.timeout(ms), ms };
}

/** An answer: the status, and the body text when the status is 200 (other bodies are discarded unread). */
export interface HttpReply {
  readonly ok: true;
  readonly status: number;
  readonly body: string;
}

/** One POST to make. `url` may carry secrets in its query, so it is only ever shown through {@link describeUrl}. */
export interface HttpPost {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Parses a URL from a stored rule; `undefined` when it is not one (Node 20 has no `URL.parse`). */
export function parseUrl(text: string | undefined): URL | undefined {
  return text !== undefined && URL.canParse(text) ? new URL(text) : undefined;
}

/** Names a URL in messages without its query string, where an app key (`code=…`) travels. */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * POSTs and reads the reply within the deadline and the size limit. Never rejects: a timeout, a network error and an
 * oversized or non-UTF-8 body come back as failures. Redirects are not followed, so headers carrying keys never go
 * to a host the policy did not name.
 */
export async function post(http: HttpSettings, request: HttpPost, deadline: Deadline): Promise<HttpReply | RuleFailure> {
  const target = describeUrl(request.url);
  try {
    const response = await http.fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: deadline.signal,
    });
    if (response.status !== 200) {
      // Release the connection without reading a body nobody will look at.
      await response.body?.cancel().catch(() => undefined);
      return { ok: true, status: response.status, body: '' };
    }
    const bytes = await readCapped(response, http.maxResponseBytes);
    if (bytes === undefined)
      return ruleFailure('RuleResponseTooLarge', `${target} answered with more than ${http.maxResponseBytes} bytes`);
    const body = decodeUtf8(bytes);
    if (body === undefined) return ruleFailure('RuleBadResponse', `${target} answered with a body that is not UTF-8`);
    return { ok: true, status: 200, body };
  } catch (error) {
    if (deadline.signal.aborted)
      return ruleFailure('RuleTimeout', `${target} did not answer within ${deadline.ms} ms`);
    return ruleFailure('RuleNetworkError', `${target} could not be reached: ${networkReason(error)}`);
  }
}

/** Reads the whole body, or gives up (cancelling the stream) as soon as it passes `max` bytes. */
async function readCapped(response: Response, max: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > max) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The system error code behind a failed fetch (`ECONNREFUSED`, `ENOTFOUND`…). The error's own message is not used:
 * undici quotes offending header values in it, and those can be keys.
 */
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
  return typeof code === 'string' ? code : 'request failed';
}

/** Parses a JSON body, or returns `undefined` when it is not JSON. */
export function parseJson(text: string): { readonly value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
