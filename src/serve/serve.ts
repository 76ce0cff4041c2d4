/**
 * `switchboard serve` once configured: opens every router's store (waiting first, on a PostgreSQL standby), starts
 * the HTTP server in front of them, says where it listens, and drains and closes everything on SIGINT or SIGTERM.
 * A cluster node (`--cluster`) is started by `cluster/cluster-node.ts` instead.
 *
 * @module
 */
import { resolve } from 'node:path';
import { startMultiRouterServer } from '../gateway/multi-router-server.ts';
import { checkServerConfig, startServer, type RunningServer } from '../gateway/server.ts';
import { checkRoutersConfig } from '../gateway/multi-router-server.ts';
import { shutDown } from '../gateway/shutdown.ts';
import { startStandbyServer } from '../gateway/standby-server.ts';
import { wsOptionsFromEnvironment } from '../gateway/ws/environment.ts';
import { WS_PATH } from '../gateway/ws/gateway.ts';
import { openHostedRouter, type HostedRouterRuntime, type HostedRouterSettings } from '../hosted-router.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { describeStore, ROUTERS_DIR, routerStoreConfig } from '../store/open-store.ts';
import { PostgresStore } from '../store/postgres-store.ts';
import type { DatabaseOwner } from '../store/postgres/lease.ts';
import type { DeclaredRouter, ServeConfig } from './serve-config.ts';

/** A router as this server runs it: what `openHostedRouter` gives, with its declared name and key. */
export type ServedRouter = HostedRouterRuntime & { readonly name: string | undefined; readonly accessKey: string | undefined };

/** Serves until a signal ends the process; rejects when it cannot start (a refused configuration, a store error). */
export async function serve(config: ServeConfig, env: NodeJS.ProcessEnv): Promise<void> {
  if (config.routers === undefined) checkServerConfig(config.host, config.accessKey);
  else checkRoutersConfig(config.host, config.routers);
  const logger = createLogger(config.logLevel);
  if (config.cluster) {
    // Loaded here only: a server that is no cluster node has no use for membership and forwarding.
    const { startClusterNode } = await import('../cluster/cluster-node.ts');
    return startClusterNode(config, routerSettings(config, env, logger));
  }
  const standby = config.store.kind === 'postgres' && config.store.lease.wait ? await startStandbyServer(config.host, config.port) : undefined;
  const onWaiting = (owner: DatabaseOwner) => {
    standby?.setOwner(owner);
    const where = owner.url ? ` at ${owner.url}` : '';
    process.stdout.write(`switchboard standing by on ${standby?.url}: ${describeStore(config.store)} is owned by ${owner.owner}${where}; taking over when it stops\n`);
  };
  const settings = { ...routerSettings(config, env, logger), onWaiting };
  const declared = config.routers ?? [{ name: undefined, accessKey: config.accessKey, eventSubscriptions: config.eventSubscriptions }];
  const hosted: ServedRouter[] = [];
  const closeAll = () => Promise.all(hosted.map(({ router }) => router.close()));
  // A signal while the stores open (a standby waiting, as it may for good) stops the start-up: nothing was served,
  // so nothing is owed; what is open already is closed, giving its lease back.
  const stopStarting = onShutdownSignal(async () => {
    await standby?.close();
    await closeAll().catch(() => undefined);
    await exitAfterFlush(logger, 0);
  });
  try {
    // One at a time: a store that cannot be opened stops the start-up before the next is touched.
    for (const { name, accessKey, eventSubscriptions } of declared) {
      const store = name === undefined ? config.store : routerStoreConfig(config.store, name);
      const wsPath = name === undefined ? undefined : `/${name}${WS_PATH}`;
      hosted.push({ name, accessKey, ...(await openHostedRouter({ ...settings, name, store, accessKey, eventSubscriptions, wsPath })) });
    }
  } catch (error) {
    stopStarting();
    await closeAll();
    throw error;
  } finally {
    await standby?.close();
  }
  if (stopStarting.stopping) return;
  stopStarting();
  const routers = hosted.map(({ router }) => router);
  const gateways = hosted.map(({ gateway }) => gateway);
  // A standby's server takes over the standby's address, random port included (closed above, before binding it).
  const listenConfig = standby ? { ...config, port: standby.port } : config;
  const listening = config.routers === undefined ? startSingleRouter(listenConfig, hosted[0]!) : startRouters(listenConfig, hosted);
  const server = await listening.catch(async (error: unknown) => {
    await closeAll();
    throw error;
  });
  await advertise(config, server.url, hosted);
  process.stdout.write(`switchboard listening on ${server.url}; ${describeServing(config)}\n`);
  logger.info({ msg: 'listening', url: server.url, store: config.store.kind, ...(config.routers ? { routers: config.routers.map(({ name }) => name) } : {}) });
  onShutdownSignal(() => drainAndExit(config, logger, { server, gateways, routers, metrics: hosted.map(({ metrics }) => metrics) }));
}

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

async function exitAfterFlush(logger: Logger, code: number): Promise<never> {
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

/** The single un-prefixed router, as every server without `--routers` serves it. */
function startSingleRouter(config: ServeConfig, hosted: HostedRouterRuntime): Promise<RunningServer> {
  return startServer({
    router: hosted.router,
    port: config.port,
    host: config.host,
    accessKey: config.accessKey,
    maxBodyBytes: config.maxBodyBytes,
    rateLimiter: hosted.rateLimiter,
    log: hosted.logFault,
    observe: hosted.observe,
    metrics: hosted.metrics,
    onUpgrade: hosted.gateway.handleUpgrade,
  });
}

/** Each declared router under its own prefix. */
function startRouters(config: ServeConfig, hosted: readonly ServedRouter[]): Promise<RunningServer> {
  return startMultiRouterServer({
    port: config.port,
    host: config.host,
    maxBodyBytes: config.maxBodyBytes,
    routers: hosted.map((one) => mountOf(one.name!, one)),
  });
}

/** What the multi-router server needs of one router it serves. */
export function mountOf(name: string, one: HostedRouterRuntime & { readonly accessKey: string | undefined }) {
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
