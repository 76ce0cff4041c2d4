/**
 * `switchboard serve` once configured: opens every router's store (waiting first, on a PostgreSQL standby), starts
 * the HTTP server in front of them, says where it listens, and drains and closes everything on SIGINT or SIGTERM.
 * A cluster node (`--cluster`) is started by `cluster/cluster-node.ts` instead.
 *
 * @module
 */
import { checkRoutersConfig, startMultiRouterServer } from '../gateway/multi-router-server.ts';
import { checkServerConfig, startServer, type RunningServer } from '../gateway/server.ts';
import { startStandbyServer } from '../gateway/standby-server.ts';
import { WS_PATH } from '../gateway/ws/gateway.ts';
import { openHostedRouter, type HostedRouterRuntime } from '../hosted-router.ts';
import { createLogger } from '../observability/logger.ts';
import { describeStore, routerStoreConfig } from '../store/open-store.ts';
import type { DatabaseOwner } from '../store/postgres/lease.ts';
import type { ServeConfig } from './serve-config.ts';
import { advertise, describeServing, drainAndExit, exitAfterFlush, mountOf, onShutdownSignal, routerSettings, type ServedRouter } from './serving.ts';

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
