/**
 * The console's REST calls, with the access key when the server has one. The key is asked for once and kept in
 * `sessionStorage`: for this tab only, gone when it closes, never in `localStorage` or a cookie.
 */

const KEY_ITEM = 'switchboard.console.accessKey';
export const API_VERSION = '2023-11-01';

/** Thrown when the server wants a credential (401), so the console asks for the key. */
export class AuthRequired extends Error {
  constructor() {
    super('the server needs its access key');
    this.name = 'AuthRequired';
  }
}

/** A refusal from the server, with its catalogue code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function accessKey(): string | undefined {
  return sessionStorage.getItem(KEY_ITEM) ?? undefined;
}

export function setAccessKey(key: string | undefined): void {
  if (key === undefined) sessionStorage.removeItem(KEY_ITEM);
  else sessionStorage.setItem(KEY_ITEM, key);
}

/**
 * The prefix of the router this console belongs to: what comes before `/console/` in the page's path (`/contoso` on
 * a server hosting several routers, empty on a single-router server). Every path the console calls is below it.
 */
export function routerBase(): string {
  const at = location.pathname.indexOf('/console/');
  return at <= 0 ? '' : location.pathname.slice(0, at);
}

/** GET a path of this console's router as JSON. Paths under `/routing/` get `api-version`. */
export async function getJson<T>(path: string, query: Record<string, string | string[] | undefined> = {}): Promise<T> {
  const url = new URL(routerBase() + path, location.origin);
  if (path.startsWith('/routing/')) url.searchParams.set('api-version', API_VERSION);
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) url.searchParams.append(name, one);
  }
  const key = accessKey();
  const response = await fetch(url, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` }, cache: 'no-store' });
  if (response.status === 401) throw new AuthRequired();
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (body as { communicationError?: { message?: string; details?: Array<{ code?: string }> } } | undefined)?.communicationError;
    throw new ApiError(response.status, error?.details?.[0]?.code ?? String(response.status), error?.message ?? response.statusText);
  }
  return body as T;
}

/** A page of a REST list, with the token of the next page when there is one. */
export interface Page<T> {
  readonly value: T[];
  readonly nextPageToken: string | undefined;
}

/** One page of a REST list; the `nextLink` is read for its token, so every page is fetched from this origin. */
export async function getPage<T>(path: string, query: Record<string, string | undefined>): Promise<Page<T>> {
  const page = await getJson<{ value: T[]; nextLink?: string }>(path, query);
  const nextPageToken = page.nextLink === undefined ? undefined : (new URL(page.nextLink).searchParams.get('pageToken') ?? undefined);
  return { value: page.value, nextPageToken };
}
