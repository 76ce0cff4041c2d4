/**
 * Three cluster nodes (`--cluster`) sharing four routers on one PostgreSQL database, under REST and WebSocket load
 * sent to every node. Killing the owner of a router (kill -9) hands it to another node within seconds with nothing
 * acknowledged lost, no job assigned twice, no worker over its capacity, and an events subscription that carries on
 * through the takeover with every number once. Pausing an owner past its lease (SIGSTOP) hands its router over too;
 * once it wakes it serves that router no more and forwards it instead. A node stopped with SIGTERM exits 0 and its
 * routers are served by the others.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ReconnectingClient } from '../../src/client/index.ts';
import { FORWARDED_HEADER } from '../../src/cluster/forwarding.ts';
import { routerAccessKeyVariable } from '../../src/gateway/router-names.ts';
import type { RouterEvent } from '../../src/protocol/events.schemas.ts';
import { postgresUnavailableReason, startPostgres } from '../support/postgres.ts';
import { restClient } from './support/rest-client.ts';
import { ownership as ownershipOf, settled as settledOf, startClusterNodes, stopClusterNodes, type ClusterNode as Node } from './support/cluster-nodes.ts';
import { logLines, runCli } from './support/server-process.ts';

const unavailable = postgresUnavailableReason();
if (unavailable) console.warn(`Skipping the cluster failover tests: ${unavailable}`);
const cluster = unavailable ? undefined : await startPostgres();
afterAll(() => cluster?.stop());

const ROUTERS = ['r1', 'r2', 'r3', 'r4'];
const KEYS = new Map(ROUTERS.map((name) => [name, randomBytes(32).toString('base64')]));
const ENV = Object.fromEntries(ROUTERS.map((name) => [routerAccessKeyVariable(name), KEYS.get(name)!]));
const CAPACITY = 2;
const ARGS = ['--routers', ROUTERS.join(','), '--lease-ttl', '2s', '--rate-limit', '1000000', '--log-level', 'warn'];

const startNodes = async (url: string) => startClusterNodes(3, ['--store', url, ...ARGS], ENV);
const stopNodes = stopClusterNodes;
const ownership = (nodes: readonly Node[]) => ownershipOf(ROUTERS, nodes);
const settled = (nodes: readonly Node[]) => settledOf(ROUTERS, nodes);

const rest = (node: Node, router: string) => restClient(`${node.server.url}/${router}/`, { hmac: KEYS.get(router)! });
const wsUrl = (node: Node, router: string) => `${node.server.url.replace(/^http/, 'ws')}/${router}/ws`;

/**
 * Upserts through `node`, retrying as a client should while it is told 503 `NotOwner` (the router moving between
 * nodes as they settle); resolves with the final status.
 */
async function upsert(node: Node, router: string, path: string, body: unknown): Promise<number> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const { status, headers } = await rest(node, router).patch(path, body);
    if (status !== 503 || headers.get('x-ms-error-code') !== 'NotOwner' || performance.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A queue and a worker of `CAPACITY` on every router, set up through `through` (which forwards most of it). */
async function setUp(through: Node): Promise<void> {
  for (const router of ROUTERS) {
    expect(await upsert(through, router, 'routing/distributionPolicies/p', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } })).toBe(201);
    expect(await upsert(through, router, 'routing/queues/q', { distributionPolicyId: 'p' })).toBe(201);
    const worker = { queues: ['q'], capacity: CAPACITY, channels: [{ channelId: 'voice', capacityCostPerJob: 1 }], availableForOffers: true };
    expect(await upsert(through, router, 'routing/workers/w1', worker)).toBe(201);
  }
}

/**
 * Creates jobs on every router through every node, round-robin, until stopped; resolves with the ids of those
 * acknowledged (201), by router. Refusals and failed connections (a node killed, a router mid-takeover) are not
 * acknowledged and are simply not counted.
 */
function restLoad(nodes: readonly Node[]): { stop: () => Promise<Map<string, string[]>> } {
  const acknowledged = new Map<string, string[]>(ROUTERS.map((name) => [name, []]));
  let running = true;
  let next = 0;
  const lane = async (lane: number) => {
    while (running) {
      const n = next++;
      const router = ROUTERS[n % ROUTERS.length]!;
      const node = nodes[(n + lane) % nodes.length]!;
      const id = `load-${n}`;
      const answer = await rest(node, router).patch(`routing/jobs/${id}`, { queueId: 'q', channelId: 'voice' }).catch(() => undefined);
      if (answer?.status === 201) acknowledged.get(router)!.push(id);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const lanes = [0, 1, 2, 3].map(lane);
  return {
    stop: async () => {
      running = false;
      await Promise.all(lanes);
      return acknowledged;
    },
  };
}

/** A worker over WebSocket that accepts every offer, then completes and closes the job, reconnecting as needed. */
async function acceptingWorker(urls: readonly string[], router: string) {
  const client = await ReconnectingClient.connect(urls, { token: KEYS.get(router)!, retryInitialMs: 50, retryMaxMs: 500 });
  const accepted: string[] = [];
  await client.attachWorker('w1', (offer) => {
    if (offer.type !== 'RouterWorkerOfferIssued') return;
    void (async () => {
      const { jobId, assignmentId } = await client.call('acceptJobOffer', { workerId: 'w1', offerId: String(offer.data['offerId']) });
      accepted.push(jobId);
      await client.call('completeJob', { jobId, assignmentId });
      await client.call('closeJob', { jobId, assignmentId, dispositionCode: 'done' });
      // Refused or cut off by the takeover: the offer is issued again, or the job stays assigned, as the router says.
    })().catch(() => undefined);
  });
  return { client, accepted };
}

/** The router's whole feed, as one reconnecting subscription from 1 delivers it. */
async function feed(urls: readonly string[], router: string) {
  const client = await ReconnectingClient.connect(urls, { token: KEYS.get(router)!, retryInitialMs: 50, retryMaxMs: 500 });
  const events: RouterEvent[] = [];
  await client.subscribe({ fromSequence: 1 }, (event) => events.push(event));
  return { client, events };
}

/** Waits until the feed has delivered a `RouterJobReceived` for `jobId`. */
async function fedThrough(events: readonly RouterEvent[], jobId: string): Promise<void> {
  await expect.poll(() => events.some((event) => event.type === 'RouterJobReceived' && event.data['jobId'] === jobId), { timeout: 15_000 }).toBe(true);
}

/** No job accepted twice and no worker ever over its capacity, replaying the router's own events. */
function expectNoDoubleAssignment(events: readonly RouterEvent[]): void {
  const acceptedJobs = events.filter((event) => event.type === 'RouterWorkerOfferAccepted').map((event) => String(event.data['jobId']));
  expect(new Set(acceptedJobs).size).toBe(acceptedJobs.length);
  let assigned = 0;
  let most = 0;
  for (const event of events) {
    if (event.type === 'RouterWorkerOfferAccepted') most = Math.max(most, ++assigned);
    if (event.type === 'RouterJobCompleted') assigned--;
  }
  expect(most).toBeLessThanOrEqual(CAPACITY);
}

describe('switchboard serve --cluster refuses', () => {
  it('a store other than postgres, a server without --routers, and --standby alongside, exit 2 naming why', async () => {
    const refusals = [
      [['serve', '--cluster', '--routers', 'a,b'], /--cluster needs the postgres store/],
      [['serve', '--cluster', '--store', 'postgres://127.0.0.1:1/none'], /--cluster needs --routers/],
      [['serve', '--cluster', '--standby', '--routers', 'a', '--store', 'postgres://127.0.0.1:1/none'], /--cluster and --standby exclude each other/],
    ] as const;
    for (const [args, reason] of refusals) {
      const { code, stderr } = await runCli(args);
      expect(code).toBe(2);
      expect(stderr).toMatch(reason);
    }
  });
});

if (!cluster) {
  describe.skip(`a cluster of three nodes on one postgres database (skipped: ${unavailable})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
} else {
  describe('a cluster of three nodes on one postgres database', () => {
    it('spreads the routers, forwards to their owners, and takes a killed owner\'s router over with nothing lost', async () => {
      const nodes = await startNodes(await cluster.createDatabase());
      const closing: Array<() => Promise<void>> = [];
      try {
        const owners = await settled(nodes);
        expect(new Set(owners.values()).size).toBe(3);
        const target = ROUTERS[0]!;
        const victim = owners.get(target)!;
        const survivors = nodes.filter((node) => node !== victim);
        await setUp(survivors[0]!);
        // A router is ready only on its owner; a request another node forwarded already is never forwarded again.
        expect((await fetch(new URL(`/${target}/readyz`, victim.server.url))).status).toBe(200);
        expect((await fetch(new URL(`/${target}/readyz`, survivors[0]!.server.url))).status).toBe(503);
        const twice = await rest(survivors[0]!, target).get('routing/queues/q', { headers: { [FORWARDED_HEADER]: 'another-node' } });
        expect([twice.status, twice.headers.get('x-ms-error-code'), twice.headers.get('retry-after')]).toEqual([503, 'NotOwner', '1']);
        expect((await rest(survivors[0]!, target).get('routing/queues/q')).status).toBe(200);
        // Both connected through a node that relays them to the victim, and reconnecting to either survivor.
        const events = await feed(survivors.map((node) => wsUrl(node, target)), target);
        closing.push(() => events.client.close());
        const worker = await acceptingWorker([...survivors].reverse().map((node) => wsUrl(node, target)), target);
        closing.push(() => worker.client.close());

        const load = restLoad(nodes);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const killedAt = performance.now();
        await victim.server.stop('SIGKILL');
        // Taken over once a write through a survivor is acknowledged again.
        await expect
          .poll(async () => (await rest(survivors[0]!, target).patch('routing/jobs/probe', { queueId: 'q', channelId: 'voice' }).catch(() => undefined))?.status, {
            timeout: 10_000,
            interval: 50,
          })
          .toBe(201);
        const takeoverSeconds = (performance.now() - killedAt) / 1000;
        console.log(`cluster takeover after kill -9: ${takeoverSeconds.toFixed(2)} s`);
        expect(takeoverSeconds).toBeLessThan(10);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const acknowledged = await load.stop();

        const after = await ownership(survivors);
        for (const name of ROUTERS) expect(after.get(name)!.length).toBe(1);
        // Every acknowledged job is there, whichever node is asked.
        for (const [router, ids] of acknowledged) {
          expect(ids.length).toBeGreaterThan(0);
          for (const [i, id] of ids.entries()) expect((await rest(survivors[i % 2]!, router).get(`routing/jobs/${id}`)).status).toBe(200);
        }
        // The subscription saw every event of the router once, in order, across the takeover.
        expect(await upsert(survivors[1]!, target, 'routing/jobs/last', { queueId: 'q', channelId: 'voice' })).toBe(201);
        await fedThrough(events.events, 'last');
        const numbers = events.events.map((event) => event.sequenceNumber);
        expect(numbers).toEqual(numbers.map((_, i) => i + 1));
        const received = new Set(events.events.filter((event) => event.type === 'RouterJobReceived').map((event) => event.data['jobId']));
        for (const id of acknowledged.get(target)!) expect(received.has(id)).toBe(true);
        expect(worker.accepted.length).toBeGreaterThan(0);
        expect(new Set(worker.accepted).size).toBe(worker.accepted.length);
        expectNoDoubleAssignment(events.events);
      } finally {
        for (const close of closing) await close();
        await stopNodes(nodes);
      }
    });

    it('takes the router of an owner paused past its lease over; once awake, the old owner serves it no more', async () => {
      const nodes = await startNodes(await cluster.createDatabase());
      try {
        const owners = await settled(nodes);
        const target = ROUTERS[1]!;
        const paused = owners.get(target)!;
        const others = nodes.filter((node) => node !== paused);
        await setUp(others[0]!);
        expect(await upsert(others[0]!, target, 'routing/jobs/before', { queueId: 'q', channelId: 'voice' })).toBe(201);
        paused.server.child.kill('SIGSTOP');
        let late: Promise<number | undefined> | undefined;
        try {
          const pausedAt = performance.now();
          // A read through another node, sent at once: forwarded to the sleeping owner, it must not wait on it past the
          // takeover; retried (as a client would) until it is answered.
          const readAgain = (async () => {
            while ((await rest(others[0]!, target).get('routing/jobs/before')).status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
            return (performance.now() - pausedAt) / 1000;
          })();
          await expect.poll(async () => (await ownership(others)).get(target)!.length, { timeout: 10_000, interval: 100 }).toBe(1);
          console.log(`cluster takeover after SIGSTOP (lease 2s): ${((performance.now() - pausedAt) / 1000).toFixed(2)} s`);
          const readSeconds = await readAgain;
          console.log(`cluster: read through another node answered again ${readSeconds.toFixed(2)} s after SIGSTOP`);
          expect(readSeconds).toBeLessThan(10);
          // Sent while it sleeps, read by it once it wakes: it must not commit it as the router's owner.
          late = rest(paused, target).patch('routing/jobs/late', { queueId: 'q', channelId: 'voice' }).then((answer) => answer.status, () => undefined);
          await new Promise((resolve) => setTimeout(resolve, 200));
        } finally {
          paused.server.child.kill('SIGCONT');
        }
        const lateStatus = await late;
        const onNewOwner = (await rest(others[0]!, target).get('routing/jobs/late')).status;
        // Either refused (no node known to own it yet), or forwarded to the new owner, which then has it.
        if (lateStatus === 201) expect(onNewOwner).toBe(200);
        else expect([lateStatus, onNewOwner]).toEqual([503, 404]);
        await expect.poll(async () => (await ownership([paused])).get(target)!.length, { timeout: 5000 }).toBe(0);
        expect((await fetch(new URL(`/${target}/readyz`, paused.server.url))).status).toBe(503);
        expect(logLines(paused.server).some((line) => line['msg'] === 'lost router' && line['router'] === target && line['code'] === 'StoreLeaseLost')).toBe(true);
        expect((await rest(others[1]!, target).get('routing/jobs/before')).status).toBe(200);
        // Still a node of the cluster: it forwards the router to its new owner.
        await expect.poll(async () => (await rest(paused, target).get('routing/jobs/before')).status, { timeout: 5000 }).toBe(200);
        // A node stopped with SIGTERM exits 0 and gives its routers back: the two left serve all four.
        const started = performance.now();
        expect(await others[1]!.server.stop('SIGTERM')).toBe(0);
        await expect
          .poll(async () => [...(await ownership([paused, others[0]!])).values()].every((on) => on.length === 1), { timeout: 10_000, interval: 100 })
          .toBe(true);
        console.log(`cluster: routers of a node stopped with SIGTERM served again after ${((performance.now() - started) / 1000).toFixed(2)} s`);
      } finally {
        await stopNodes(nodes);
      }
    });
  });
}
