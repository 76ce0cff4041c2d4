/**
 * A node of a cluster (`switchboard serve --cluster`): several nodes with the same `--routers` on one PostgreSQL
 * database share the routers. Each serves those whose leases it holds and forwards the rest to their owners
 * (`forwarding.ts`). Every {@link TICK_MS} it looks at the live nodes and at each router's lease, and claims, keeps
 * or gives up routers as `placement.ts` says: a router whose owner died (its lock freed) or fell silent past the lease
 * ttl is taken over by the node it belongs on among the live ones, restored, its deadlines re-armed, and served.
 *
 * A router is served only while its lease is surely held (`PostgresStore.leaseHeld`); one whose lease was lost (the
 * node was paused past it, or cut off) is dropped at once, and its requests forwarded to whoever took it.
 *
 * @module
 */
import { ServerConfigError } from '../gateway/server.ts';
import { startMultiRouterServer, type MultiRouterServer } from '../gateway/multi-router-server.ts';
import { WS_PATH } from '../gateway/ws/gateway.ts';
import { openHostedRouter, type HostedRouterSettings } from '../hosted-router.ts';
import type { Logger } from '../observability/logger.ts';
import { describeStore, routerStoreConfig } from '../store/open-store.ts';
import { PostgresStore } from '../store/postgres-store.ts';
import { ClusterMembership } from '../store/postgres/cluster-membership.ts';
import { DEFAULT_LEASE_TTL_MS, observeLease, type LeaseState } from '../store/postgres/lease.ts';
import { StoreError } from '../store/store-error.ts';
import { advertisedUrl, describeServing, drainAndExit, mountOf, onShutdownSignal, type ServedRouter } from '../serve/serving.ts';
import type { DeclaredRouter, ServeConfig } from '../serve/serve-config.ts';
import { createForwarding } from './forwarding.ts';
import { chosenNodes, placementStep, type PlacementDelays } from './placement.ts';

/** How often a node looks at the cluster: a takeover starts within this of the owner's death. */
const TICK_MS = 250;

/**
 * The delays of placement, from the lease ttl: a free router waits half of it for its chosen node before any other
 * takes it; a node joining is handed its routers once it has been live a whole ttl (it has renewed three times).
 */
function placementDelays(ttlMs: number): PlacementDelays {
  return { graceMs: Math.max(1000, ttlMs / 2), settleMs: ttlMs };
}

/** Starts the node: listens at once (forwarding everything), joins the cluster, then claims its routers. */
export async function startClusterNode(config: ServeConfig, settings: Pick<HostedRouterSettings, 'rateLimit' | 'webhooks' | 'ws' | 'logger'>): Promise<void> {
  const { store } = config;
  const declared = config.routers!;
  if (store.kind !== 'postgres') throw new ServerConfigError('a cluster node needs the postgres store');
  const ttlMs = store.lease.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  if (advertisedUrl(config, 'http://placeholder') === undefined)
    throw new ServerConfigError(`a cluster node on ${config.host} needs --advertise-url: the address the other nodes forward to`);
  const { logger } = settings;
  const serving = new Map<string, ServedRouter>();
  const owners = new Map<string, LeaseState>();
  // Until the node has joined, it knows of no owner: what arrives meanwhile is answered 503 NotOwner.
  const self = { id: '', url: '' };
  let ownerOf = async (_name: string): Promise<string | undefined> => undefined;
  const forwarding = createForwarding({
    names: declared.map(({ name }) => name),
    get selfId() {
      return self.id;
    },
    ownerOf: (name) => ownerOf(name),
    // Silent for a whole ttl after the request was sent, an owner has let its lease run out unless it renewed it
    // meanwhile: it can commit nothing more, and another node is taking the router over.
    timeoutMs: ttlMs,
    log: (message) => logger.warn({ msg: message, code: 'NotOwner' }),
  });
  const server: MultiRouterServer = await startMultiRouterServer({
    port: config.port,
    host: config.host,
    maxBodyBytes: config.maxBodyBytes,
    routers: [],
    elsewhere: forwarding,
  });
  self.url = advertisedUrl(config, server.url)!;
  const membership = await ClusterMembership.join(store.url, self.url, ttlMs).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  self.id = membership.self.id;
  const owns = (lease: LeaseState | undefined): lease is LeaseState => lease !== undefined && !lease.free && lease.url !== '' && lease.url !== self.url;
  ownerOf = async (name) => {
    const known = owners.get(name);
    if (owns(known)) return known.url;
    // Not known from the last look (it has just moved): looked up now rather than refused.
    return (await look(name)).url;
  };
  /** Reads a router's lease, for forwarding, and ends what is still under way to an owner it no longer has. */
  const look = async (name: string): Promise<{ free: boolean; url: string | undefined }> => {
    const lease = await observeLease(membership.session, name);
    owners.set(name, lease);
    const url = owns(lease) ? lease.url : undefined;
    forwarding.ownerChanged(name, url);
    return { free: lease.free, url };
  };
  const log = logger.child({ node: self.id });
  const node = new NodeLoop({ config, settings, declared, server, membership, serving, owners, look, log, delays: placementDelays(ttlMs), ttlMs });
  process.stdout.write(`switchboard listening on ${server.url}; cluster node ${self.id} at ${self.url}; ${describeServing(config)}; serving the routers whose leases it holds\n`);
  log.info({ msg: 'listening', url: server.url, store: store.kind, cluster: true, routers: declared.map(({ name }) => name) });
  node.start();
  onShutdownSignal(async () => {
    await node.stop();
    const hosted = [...serving.values()];
    await drainAndExit(config, log, {
      server,
      gateways: hosted.map(({ gateway }) => gateway),
      routers: hosted.map(({ router }) => router),
      metrics: hosted.map(({ metrics }) => metrics),
    });
  });
}

interface NodeLoopParts {
  readonly config: ServeConfig;
  readonly settings: Pick<HostedRouterSettings, 'rateLimit' | 'webhooks' | 'ws' | 'logger'>;
  readonly declared: readonly DeclaredRouter[];
  readonly server: MultiRouterServer;
  readonly membership: ClusterMembership;
  /** The routers this node serves now, by name. */
  readonly serving: Map<string, ServedRouter>;
  /** Each router's lease as last seen, for forwarding; forgotten once this node serves the router. */
  readonly owners: Map<string, LeaseState>;
  /** Reads a router's lease (and tells forwarding where the router is now). */
  readonly look: (name: string) => Promise<{ readonly free: boolean }>;
  readonly log: Logger;
  readonly delays: PlacementDelays;
  readonly ttlMs: number;
}

/** The node's look at the cluster, every tick, and what it does about each router. */
class NodeLoop {
  readonly #parts: NodeLoopParts;
  /** When each other live node was first seen live without a break. */
  readonly #liveSince = new Map<string, number>();
  /** When each router was first seen free without a break. */
  readonly #freeSince = new Map<string, number>();
  /** Routers being claimed or given up: one change at a time per router. */
  readonly #changing = new Map<string, Promise<void>>();
  #lastRelease = 0;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #stopped = false;

  constructor(parts: NodeLoopParts) {
    this.#parts = parts;
  }

  start(): void {
    const run = () => {
      this.#tick = this.#look()
        .catch((error: unknown) => this.#parts.log.warn({ msg: 'cluster look failed', error: error instanceof Error ? error.message : String(error) }))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(run, TICK_MS);
        });
    };
    run();
  }

  /** Stops claiming, leaves the membership (so the others stop counting on this node) and waits for changes under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    await Promise.allSettled(this.#changing.values());
    await this.#parts.membership.leave();
  }

  async #look(): Promise<void> {
    const { serving, look, membership, declared, delays } = this.#parts;
    // First, before anything that waits: a router whose lease may have passed to another is served no more.
    for (const [name, hosted] of serving) if (!this.#healthy(hosted)) this.#change(name, () => this.#drop(name, hosted));
    const live = await membership.live();
    const now = performance.now();
    for (const id of this.#liveSince.keys()) if (!live.some((member) => member.id === id)) this.#liveSince.delete(id);
    for (const { id } of live) if (id !== membership.self.id && !this.#liveSince.has(id)) this.#liveSince.set(id, now);
    // This node counts itself live whatever the table says: one heartbeat that did not go through must not make it
    // give up every router it serves.
    const choices = chosenNodes(declared.map(({ name }) => name), [membership.self.id, ...this.#liveSince.keys()]);
    for (const { name } of declared) {
      if (this.#stopped) return;
      if (this.#changing.has(name)) continue;
      const owned = serving.has(name);
      if (!owned) {
        const lease = await look(name);
        if (!lease.free) this.#freeSince.delete(name);
        else if (!this.#freeSince.has(name)) this.#freeSince.set(name, now);
      }
      const step = placementStep({ self: membership.self.id, choice: choices.get(name)!, others: this.#liveSince, owned, freeSince: this.#freeSince.get(name), now }, delays);
      if (step === 'claim') this.#change(name, () => this.#claim(name));
      // One router handed over at a time, so that a node joining takes its share without the rest all moving at once.
      else if (step === 'release' && now - this.#lastRelease >= delays.settleMs) {
        this.#lastRelease = now;
        this.#change(name, () => this.#release(name, serving.get(name)!));
      }
    }
  }

  #healthy(hosted: ServedRouter): boolean {
    return hosted.store instanceof PostgresStore && hosted.store.leaseHeld && hosted.router.storeFailure === undefined;
  }

  #change(name: string, change: () => Promise<void>): void {
    if (this.#changing.has(name)) return;
    const done = change()
      .catch((error: unknown) => this.#parts.log.error({ msg: 'router change failed', router: name, error: error instanceof Error ? error.message : String(error) }))
      .finally(() => this.#changing.delete(name));
    this.#changing.set(name, done);
  }

  /** Opens the router's store (taking its lease, or failing if another node was quicker), restores it and serves it. */
  async #claim(name: string): Promise<void> {
    const { config, settings, declared, server, serving, owners, log, ttlMs } = this.#parts;
    const { accessKey, eventSubscriptions } = declared.find((one) => one.name === name)!;
    const started = performance.now();
    const store = { ...routerStoreConfig(config.store, name), lease: { wait: false, ttlMs } };
    let runtime;
    try {
      runtime = await openHostedRouter({ ...settings, name, store, accessKey, eventSubscriptions, wsPath: `/${name}${WS_PATH}` });
    } catch (error) {
      // Another node took it first: nothing to do but forward to it.
      if (error instanceof StoreError && error.code === 'StoreLocked') return;
      throw error;
    }
    if (this.#stopped) {
      await runtime.router.close();
      return;
    }
    const hosted: ServedRouter = { name, accessKey, ...runtime };
    const postgres = runtime.store as PostgresStore;
    await postgres.advertise(this.#parts.membership.self.url);
    serving.set(name, hosted);
    owners.delete(name);
    this.#freeSince.delete(name);
    server.mount({ ...mountOf(name, hosted), serving: () => postgres.leaseHeld });
    log.info({ msg: 'serving router', router: name, takeoverMs: Math.round(performance.now() - started) });
    process.stdout.write(`switchboard serving router ${name}; ${describeStore(store)}\n`);
  }

  /** Hands a router over gracefully: its open requests and messages answered, its store flushed, its lease released. */
  async #release(name: string, hosted: ServedRouter): Promise<void> {
    const { server, serving, log } = this.#parts;
    await server.unmount(name);
    serving.delete(name);
    await hosted.gateway.drain();
    await hosted.gateway.close();
    await hosted.router.close().finally(() => hosted.metrics.close());
    log.info({ msg: 'released router', router: name });
  }

  /** Stops serving a router whose lease is lost: nothing it does now could be committed. */
  async #drop(name: string, hosted: ServedRouter): Promise<void> {
    const { server, serving, log } = this.#parts;
    serving.delete(name);
    const unmounted = server.unmount(name);
    log.error({ msg: 'lost router', router: name, code: 'StoreLeaseLost', detail: hosted.router.storeFailure?.message ?? 'lease not renewed within its ttl' });
    await hosted.gateway.close();
    await unmounted;
    // Its store has failed or will be refused: closing it only ends its connections.
    await hosted.router.close().catch(() => undefined);
    hosted.metrics.close();
  }
}
