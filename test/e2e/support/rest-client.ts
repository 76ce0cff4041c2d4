import { signRequest } from '../../../src/auth/hmac.ts';

export const API_VERSION = '2023-11-01';

/** How a test authenticates: not at all (loopback, no key), HMAC with the key, or a bearer token. */
export type Credential = { readonly hmac: string } | { readonly bearer: string } | undefined;

export interface CallOptions {
  /** A value to send as JSON, or raw text sent as is. */
  readonly body?: unknown;
  readonly raw?: string | Buffer | undefined;
  readonly headers?: Record<string, string>;
  /** Query parameters besides `api-version` (added unless `apiVersion` is `null`). */
  readonly query?: Record<string, string>;
  readonly apiVersion?: string | null;
  readonly credential?: Credential;
}

export interface Reply<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body (`undefined` when there is none), typed as the caller expects it. */
  readonly json: T;
}

/** Builds the URL of a path under the server, with `api-version` unless told otherwise. */
export function urlOf(base: string, path: string, options: Pick<CallOptions, 'query' | 'apiVersion'> = {}): URL {
  const url = new URL(path, base);
  const version = options.apiVersion === undefined ? API_VERSION : options.apiVersion;
  if (version !== null) url.searchParams.set('api-version', version);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  return url;
}

/** One REST call over real `fetch`. A JSON `body` is sent as `application/merge-patch+json` for PATCH, else `application/json`. */
export async function call<T = unknown>(base: string, method: string, path: string | URL, options: CallOptions = {}): Promise<Reply<T>> {
  const url = typeof path === 'string' ? urlOf(base, path, options) : path;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  const credential = options.credential;
  if (credential && 'hmac' in credential)
    Object.assign(headers, signRequest({ method, url, body: body ?? '', accessKey: credential.hmac, date: new Date() }));
  if (credential && 'bearer' in credential) headers['authorization'] = `Bearer ${credential.bearer}`;
  Object.assign(headers, options.headers);
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: (text === '' ? undefined : JSON.parse(text)) as T };
}

/** A client bound to one server and credential. */
export function restClient(base: string, credential?: Credential) {
  const send = <T = unknown>(method: string, path: string | URL, options: CallOptions = {}) =>
    call<T>(base, method, path, { credential, ...options });
  return {
    send,
    get: <T = unknown>(path: string, options?: CallOptions) => send<T>('GET', path, options),
    patch: <T = unknown>(path: string, body: unknown, options?: CallOptions) => send<T>('PATCH', path, { body, ...options }),
    post: <T = unknown>(path: string, body?: unknown, options?: CallOptions) => send<T>('POST', path, { body, ...options }),
    delete: (path: string, options?: CallOptions) => send('DELETE', path, options),
  };
}

export type RestClient = ReturnType<typeof restClient>;
