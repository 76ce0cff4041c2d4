import { RouterError } from '../errors.ts';

/**
 * The refusal of a request that arrives once a shutdown has begun. Kept apart from `shutdown.ts`, which drives the
 * server and the WebSocket gateway, so that they can refuse requests without importing their own driver.
 */
export function shuttingDown(): RouterError {
  return new RouterError('ShuttingDown', 'the server is shutting down; this request was not processed');
}
