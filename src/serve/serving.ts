/**
 * What the start-up of a server (`serve.ts`) and of a cluster node (`cluster/cluster-node.ts`) share: the settings of
 * every router, where the server is advertised, what it says it serves, and the drain and exit on a signal.
 *
 * @module
 */
import { resolve } from 'node:path';
import type { RunningServer } from '../gateway/server.ts';
import type { HostedRouter } from '../gateway/multi-router-server.ts';
import { shutDown } from '../gateway/shutdown.ts';
import { wsOptionsFromEnvironment } from '../gateway/ws/environment.ts';
import type { HostedRouterRuntime, HostedRouterSettings } from '../hosted-router.ts';
import type { Logger } from '../observability/logger.ts';
import { describeStore, ROUTERS_DIR } from '../store/open-store.ts';
import { PostgresStore } from '../store/postgres-store.ts';
import type { DeclaredRouter, ServeConfig } from './serve-config.ts';

/** A router as this server runs it: what `openHostedRouter` gives, with its declared name and key. */
export type ServedRouter = HostedRouterRuntime & { readonly name: string | undefined; readonly accessKey: string | undefined };

/** What every router of this server is opened with, but its own name, store, key and subscriptions. */
export function routerSettings(config: ServeConfig, env: NodeJS.ProcessEnv, logger: Logger): Pick<HostedRouterSettings, 'rateLimit' | 'webhooks' | 'ws' | 'logger'> {
  return { rateLimit: config.rateLimit, webhooks: config.webhooks, ws: wsOptionsFromEnvironment(env), logger };
}

/** What {@link drainAndExit} stops. */
export interface Serving {
  readonly server: RunningServer;
  readonly gateways: ReadonlyArray<HostedRouterRuntime['gateway']>;
  readonly routers: ReadonlyArray<HostedRouterRuntime['router']>;
  readonly metrics: ReadonlyArray<HostedRouterRuntime['metrics']>;
}

/** The graceful shutdown (`shutDown`), logged, then the exit: 0 when it finished within `--shutdown-timeout`, else 1. */
export async function drainAndExit(config: ServeConfig, logger: Logger, serving: Serving): Promise<void> {
  const outcome = await shutDown({ ...serving, timeoutMs: config.shutdownTimeoutMs });
  for (const metrics of serving.metrics) metrics.close();
  if (outcome.clean) logger.info({ msg: 'stopped' });
  else
    logger.error({
      msg: `shutdown did not finish within ${config.shutdownTimeoutMs / 1000} s; closed forcibly with ` +
        `${outcome.openRequests} REST and ${outcome.owedAnswers} WebSocket requests unanswered (none of them acknowledged)`,
      openRequests: outcome.openRequests,
      owedAnswers: outcome.owedAnswers,
    });
  await exitAfterFlush(logger, outcome.clean ? 0 : 1);
}

export async function exitAfterFlush(logger: Logger, code: number): Promise<never> {
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  process.exit(code);
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs `stop` on the first SIGINT or SIGTERM. Another signal, from an operator who will not wait, ends the process
 * as the default would. Calling the result removes the handler (`stopping` says whether a signal came first).
 */
export function onShutdownSignal(stop: () => Promise<void>): (() => void) & { readonly stopping: boolean } {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    stopping = true;
    void stop();
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  const remove = () => {
    for (const signal of SHUTDOWN_SIGNALS) process.off(signal, onSignal);
  };
  return Object.defineProperty(remove, 'stopping', { get: () => stopping }) as (() => void) & { readonly stopping: boolean };
}

/**
 * Records, for each router on PostgreSQL, where this server serves it, so that standbys redirect there: the
 * `--advertise-url`, else the listening address unless that is a wildcard no other node could reach.
 */
export async function advertise(config: ServeConfig, listeningUrl: string, hosted: ReadonlyArray<Pick<HostedRouterRuntime, 'store'>>): Promise<void> {
  const url = advertisedUrl(config, listeningUrl);
  if (url === undefined) return;
  for (const { store } of hosted) if (store instanceof PostgresStore) await store.advertise(url);
}

/** Where other nodes send this server's clients: `--advertise-url`, else its address unless that is a wildcard. */
export function advertisedUrl(config: ServeConfig, listeningUrl: string): string | undefined {
  if (config.store.kind !== 'postgres') return undefined;
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  return config.store.advertiseUrl ?? (wildcard ? undefined : listeningUrl);
}

/** What the multi-router server needs of one router it serves. */
export function mountOf(name: string, one: HostedRouterRuntime & { readonly accessKey: string | undefined }): HostedRouter {
  return {
    name,
    router: one.router,
    accessKey: one.accessKey,
    rateLimiter: one.rateLimiter,
    observe: one.observe,
    metrics: one.metrics,
    log: one.logFault,
    onUpgrade: one.gateway.handleUpgrade,
  };
}

/** The rest of the start-up line: where the state lives and who is let in. */
export function describeServing(config: ServeConfig): string {
  if (config.routers === undefined) {
    const access = config.accessKey === undefined ? '; no access key, so only loopback clients are accepted' : '; requests must be signed or carry a bearer token';
    return `${describeStore(config.store)}${access}`;
  }
  const names = config.routers.map(({ name }) => name);
  const where = config.store.kind === 'sqlite' ? `, each in ${resolve(config.store.dataDir, ROUTERS_DIR)}/<name>` : config.store.kind === 'postgres' ? ', each in a schema of its name' : '';
  const keyless = config.routers.filter(({ accessKey }: DeclaredRouter) => accessKey === undefined).map(({ name }) => name);
  const access = keyless.length === 0 ? 'each with its own access key' : `without an access key, so loopback clients only: ${keyless.join(', ')}`;
  return `${names.length} routers under /<name>/ (${names.join(', ')}); ${describeStore(config.store)}${where}; ${access}`;
}
