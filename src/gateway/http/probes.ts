import type { ServerResponse } from 'node:http';
import type { Router } from '../../router.ts';
import { sendJson } from './responses.ts';

/**
 * The two probes, answered before authentication and rate limiting, to GET and HEAD. `/healthz`: the process is up
 * and serving HTTP (restart it when this fails). `/readyz`: the router accepts requests, that is its store is open
 * and no commit has failed (send it no traffic while this answers 503; docs/storage.md says what to do).
 *
 * @returns whether the request was a probe, and answered
 */
export function answerProbe(router: Router, pathname: string, method: string, response: ServerResponse): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (pathname === '/healthz') {
    sendJson(response, 200, { status: 'ok' });
    return true;
  }
  if (pathname === '/readyz') {
    const failure = router.storeFailure;
    if (failure) sendJson(response, 503, { status: 'unavailable', code: 'StoreUnavailable', message: failure.message });
    else sendJson(response, 200, { status: 'ready' });
    return true;
  }
  return false;
}
