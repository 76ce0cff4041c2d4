/**
 * `npm run bench:cluster`: failover on PostgreSQL, and one router's rate on PostgreSQL next to SQLite.
 *
 * Each trial starts an owner and a `--standby` server on a fresh database of a throwaway local cluster (fsync on),
 * gives the owner `JOBS` queued jobs, then either kills it (`kill`: SIGKILL) or pauses it (`pause`: SIGSTOP, then
 * SIGCONT once the standby serves). Takeover is the time from the signal until the standby has answered a read of
 * the last acknowledged job. The same trials are run with several active nodes: `CLUSTER_NODES` nodes started with
 * `--cluster` and `CLUSTER_ROUTERS` routers, the owner of one router (holding `JOBS` queued jobs) killed or paused,
 * and takeover read through another node, which forwards the read to whichever node took the router over. The same run drives WebSocket lifecycles through one server on PostgreSQL and one on
 * SQLite `--sync full` (the driver of `bench:server`). Prints a table and, as its last line, one JSON object.
 * Needs PostgreSQL installed (see `test/support/postgres.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settled, startClusterNodes, stopClusterNodes } from '../e2e/support/cluster-nodes.ts';
import { restClient } from '../e2e/support/rest-client.ts';
import { startServerProcess, type ServerProcess } from '../e2e/support/server-process.ts';
import { postgresUnavailableReason, startPostgres, type PostgresCluster } from '../support/postgres.ts';
import { drive, median, UNLIMITED_RATE } from './drive.ts';

const TRIALS = Number(process.env['BENCH_TRIALS'] ?? 5);
const JOBS = 1000;
const LEASE_TTL = '5s';
const CLUSTER_NODES = 3;
const CLUSTER_ROUTERS = ['r1', 'r2', 'r3', 'r4'];

const unavailable = postgresUnavailableReason();
if (unavailable) {
  process.stderr.write(`bench:cluster needs PostgreSQL: ${unavailable}\n`);
  process.exit(1);
}
const cluster = await startPostgres({ durable: true });

async function ownerWithJobs(url: string): Promise<{ owner: ServerProcess; lastJob: string }> {
  const owner = await startServerProcess(['--store', url, '--lease-ttl', LEASE_TTL, '--rate-limit', UNLIMITED_RATE]);
  return { owner, lastJob: await queueJobs(owner.url) };
}

/** A queue and `JOBS` jobs on it, through the router at `base` (`http://host:port/` or `…/<router>/`); the last id. */
async function queueJobs(base: string): Promise<string> {
  const rest = restClient(base);
  await rest.patch('routing/distributionPolicies/p', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
  await rest.patch('routing/queues/q', { distributionPolicyId: 'p' });
  const ids = Array.from({ length: JOBS }, (_, i) => `job-${i}`);
  for (let i = 0; i < ids.length; i += 50)
    await Promise.all(ids.slice(i, i + 50).map((id) => rest.patch(`routing/jobs/${id}`, { queueId: 'q', channelId: 'voice' })));
  return ids.at(-1)!;
}

/** Seconds from the fault until a read of the last job through `base` is answered 200, polled every 20 ms. */
async function readableAgain(base: string, lastJob: string, started: number): Promise<number> {
  for (;;) {
    const answer = await restClient(base).get(`routing/jobs/${lastJob}`).catch(() => undefined);
    if (answer?.status === 200) return (performance.now() - started) / 1000;
    if (performance.now() - started > 30_000) throw new Error(`no node serves ${lastJob} 30 s after the fault`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One trial with several active nodes: the owner of one router is killed or paused; the others take it over. */
async function clusterTakeover(pg: PostgresCluster, fault: 'kill' | 'pause'): Promise<number> {
  const url = await pg.createDatabase();
  const args = ['--store', url, '--routers', CLUSTER_ROUTERS.join(','), '--lease-ttl', LEASE_TTL, '--rate-limit', UNLIMITED_RATE, '--log-level', 'warn'];
  const nodes = await startClusterNodes(CLUSTER_NODES, args);
  try {
    const owners = await settled(CLUSTER_ROUTERS, nodes);
    const router = CLUSTER_ROUTERS[0]!;
    const owner = owners.get(router)!;
    const through = `${nodes.find((node) => node !== owner)!.server.url}/${router}/`;
    const lastJob = await queueJobs(through);
    const started = performance.now();
    owner.server.child.kill(fault === 'kill' ? 'SIGKILL' : 'SIGSTOP');
    const seconds = await readableAgain(through, lastJob, started);
    if (fault === 'pause') owner.server.child.kill('SIGCONT');
    return seconds;
  } finally {
    await stopClusterNodes(nodes);
  }
}

async function takeover(pg: PostgresCluster, fault: 'kill' | 'pause'): Promise<number> {
  const url = await pg.createDatabase();
  const { owner, lastJob } = await ownerWithJobs(url);
  let announce!: () => void;
  const standingBy = new Promise<void>((resolve) => (announce = resolve));
  const standby = startServerProcess(['--store', url, '--standby', '--lease-ttl', LEASE_TTL, '--rate-limit', UNLIMITED_RATE], {}, (stdout) => {
    if (stdout.includes('standing by')) announce();
  });
  await standingBy;
  const started = performance.now();
  owner.child.kill(fault === 'kill' ? 'SIGKILL' : 'SIGSTOP');
  const successor = await standby;
  try {
    const answer = await restClient(successor.url).get(`/routing/jobs/${lastJob}`);
    if (answer.status !== 200) throw new Error(`the standby does not have ${lastJob}: ${answer.status}`);
    return (performance.now() - started) / 1000;
  } finally {
    if (fault === 'pause') owner.child.kill('SIGCONT');
    await owner.stop('SIGKILL');
    await successor.stop();
  }
}

async function wsRate(store: (dataDir: string) => Promise<string[]> | string[]): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  try {
    const server = await startServerProcess(['--rate-limit', UNLIMITED_RATE, ...(await store(dataDir))]);
    try {
      const figures = await drive(server.url, ['ws']);
      return (figures.wsLifecycles ?? NaN) / (figures.wsSeconds ?? NaN);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const seconds: Record<'kill' | 'pause' | 'clusterKill' | 'clusterPause', number[]> = { kill: [], pause: [], clusterKill: [], clusterPause: [] };
const rates = { postgres: [] as number[], sqliteFull: [] as number[] };
try {
  for (let trial = 1; trial <= TRIALS; trial++)
    for (const fault of ['kill', 'pause'] as const) {
      process.stderr.write(`trial ${trial}/${TRIALS}: ${fault}\n`);
      seconds[fault].push(await takeover(cluster, fault));
      process.stderr.write(`trial ${trial}/${TRIALS}: ${fault}, ${CLUSTER_NODES} active nodes\n`);
      seconds[fault === 'kill' ? 'clusterKill' : 'clusterPause'].push(await clusterTakeover(cluster, fault));
    }
  process.stderr.write('lifecycles: postgres, sqlite full\n');
  rates.postgres.push(await wsRate(async () => ['--store', await cluster.createDatabase()]));
  rates.sqliteFull.push(await wsRate((dir) => ['--store', 'sqlite', '--data-dir', dir, '--sync', 'full']));
} finally {
  cluster.stop();
}

const fixed = (value: number) => Number(value.toFixed(2));
const result = {
  takeoverSecondsAfterKill: { p50: fixed(median(seconds.kill)), max: fixed(Math.max(...seconds.kill)) },
  takeoverSecondsAfterPause: { p50: fixed(median(seconds.pause)), max: fixed(Math.max(...seconds.pause)), leaseTtl: LEASE_TTL },
  clusterTakeoverSecondsAfterKill: { p50: fixed(median(seconds.clusterKill)), max: fixed(Math.max(...seconds.clusterKill)), nodes: CLUSTER_NODES, routers: CLUSTER_ROUTERS.length },
  clusterTakeoverSecondsAfterPause: { p50: fixed(median(seconds.clusterPause)), max: fixed(Math.max(...seconds.clusterPause)), leaseTtl: LEASE_TTL },
  wsLifecyclesPerSecPerRouter: { postgres: Math.round(median(rates.postgres)), sqliteFull: Math.round(median(rates.sqliteFull)) },
  postgresToSqliteFullRatio: fixed(median(rates.postgres) / median(rates.sqliteFull)),
};
const each = (values: readonly number[]) => values.map((value) => value.toFixed(2)).join(' / ');
const rows: Array<[string, string, string]> = [
  ['takeover after kill -9 (s)', `${result.takeoverSecondsAfterKill.p50} p50, ${result.takeoverSecondsAfterKill.max} max`, `trials ${each(seconds.kill)}`],
  ['takeover after SIGSTOP (s)', `${result.takeoverSecondsAfterPause.p50} p50, ${result.takeoverSecondsAfterPause.max} max`, `lease ${LEASE_TTL}; trials ${each(seconds.pause)}`],
  ['cluster takeover after kill -9 (s)', `${result.clusterTakeoverSecondsAfterKill.p50} p50, ${result.clusterTakeoverSecondsAfterKill.max} max`, `${CLUSTER_NODES} active nodes, ${CLUSTER_ROUTERS.length} routers, read through another node; trials ${each(seconds.clusterKill)}`],
  ['cluster takeover after SIGSTOP (s)', `${result.clusterTakeoverSecondsAfterPause.p50} p50, ${result.clusterTakeoverSecondsAfterPause.max} max`, `lease ${LEASE_TTL}; trials ${each(seconds.clusterPause)}`],
  ['postgres wsLifecyclesPerSec', String(result.wsLifecyclesPerSecPerRouter.postgres), 'one router, fsync on'],
  ['sqliteFull wsLifecyclesPerSec', String(result.wsLifecyclesPerSecPerRouter.sqliteFull), 'one router, --sync full'],
  ['postgresToSqliteFullRatio', String(result.postgresToSqliteFullRatio), 'same run'],
];
const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length), 6));
for (const row of [['figure', 'value', 'basis'] as [string, string, string], ...rows])
  console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
console.log(JSON.stringify(result));
