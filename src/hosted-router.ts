/**
 * One router as `switchboard serve` runs it: its store, the router on it, its declared event subscriptions, its rate
 * budget, metrics, logs and WebSocket gateway. A single-router server runs one; a server hosting several runs one per
 * router, each fully independent of the others.
 *
 * @module
 */
import { applyDeclaredSubscriptions, type ConfigFile } from './config/config-file.ts';
import { RateLimiter } from './gateway/rate-limit.ts';
import { createWsGateway, type WsGateway, type WsGatewayOptions } from './gateway/ws/gateway.ts';
import { logRequest, logWebhookAttempt, logWsConnect, logWsDisconnect, type Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import type { AnsweredRequest } from './gateway/http/rest-handler.ts';
import { Router } from './router.ts';
import { openStore, type StoreConfig } from './store/open-store.ts';
import type { DatabaseOwner } from './store/postgres/lease.ts';
import type { Store } from './store/store.ts';
import type { WebhookOptions } from './webhooks/webhooks.ts';

/** What one router is run with. */
export interface HostedRouterSettings {
  /** Its name on a server hosting several (its logs and metrics carry it); absent on a single-router server. */
  readonly name?: string | undefined;
  readonly store: StoreConfig;
  readonly accessKey: string | undefined;
  /** Requests per 10 s per client, for this router alone. */
  readonly rateLimit: number;
  readonly webhooks: Required<Pick<WebhookOptions, 'retryInitialMs' | 'retryMaxMs' | 'timeoutMs'>>;
  /** Upserted at start where they differ from the stored ones. */
  readonly eventSubscriptions: ConfigFile['eventSubscriptions'];
  /** The gateway's tunables (`wsOptionsFromEnvironment`). */
  readonly ws: Pick<WsGatewayOptions, 'heartbeatMs' | 'maxPayload' | 'highWaterMark'>;
  /** The gateway's path; default `/ws`. */
  readonly wsPath?: string | undefined;
  readonly logger: Logger;
  /** A PostgreSQL store standing by: told who owns the database while it waits (see `openStore`). */
  readonly onWaiting?: ((owner: DatabaseOwner) => void) | undefined;
}

/** A router being served, with what the HTTP server needs of it. */
export interface HostedRouterRuntime {
  readonly router: Router;
  /** The router's store, for what the server says of it once listening (a PostgreSQL owner's address). */
  readonly store: Store;
  readonly gateway: WsGateway;
  readonly rateLimiter: RateLimiter;
  readonly metrics: Metrics;
  /** Told of every REST request answered: the request log and metrics. */
  readonly observe: (request: AnsweredRequest) => void;
  /** Where faults that are nobody's request are logged. */
  readonly logFault: (detail: string) => void;
}

/**
 * Opens the router's store and the router on it and applies its declared subscriptions; closes what it opened when
 * a later step fails.
 *
 * @throws StoreError when the store cannot be opened
 */
export async function openHostedRouter(settings: HostedRouterSettings): Promise<HostedRouterRuntime> {
  const logger = settings.name === undefined ? settings.logger : settings.logger.child({ router: settings.name });
  const store = await openStore(settings.store, settings.onWaiting);
  const router = await Router.open({ store, webhooks: settings.webhooks }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  await applyDeclaredSubscriptions(router, settings.eventSubscriptions).catch(async (error: unknown) => {
    await router.close();
    throw error;
  });
  // One budget per client across REST and WebSocket. The limit is stated per 10 s, as Azure states it; the bucket
  // refills evenly over that window.
  const rateLimiter = new RateLimiter({
    capacity: settings.rateLimit,
    refillPerSecond: settings.rateLimit / 10,
    now: () => router.now(),
  });
  const metrics = createMetrics(router, settings.name === undefined ? {} : { router: settings.name });
  router.onCommit((report) => {
    if (report.failure) logger.error({ msg: 'commit failed', code: 'StoreUnavailable', error: report.failure.message });
  });
  router.onWebhookAttempt((report) => logWebhookAttempt(logger, report));
  const logFault = (detail: string) => logger.error({ msg: 'internal error', code: 'InternalError', detail });
  const gateway = createWsGateway({
    router,
    path: settings.wsPath,
    accessKey: settings.accessKey,
    rateLimiter,
    now: () => router.now(),
    ...settings.ws,
    logError: (message, error) => logFault(`${message}: ${error instanceof Error ? error.stack : String(error)}`),
    observe: { opened: (connection) => logWsConnect(logger, connection), closed: (connection) => logWsDisconnect(logger, connection) },
    metrics,
  });
  const observe = (request: AnsweredRequest) => {
    logRequest(logger, request);
    metrics.observeRequest(request.operation ?? 'none', request.status, request.durationMs / 1000);
  };
  return { router, store, gateway, rateLimiter, metrics, observe, logFault };
}
