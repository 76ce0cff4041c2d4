/**
 * One crash trial: a real server on a fresh data directory (SQLite, `--sync full`), the workload over REST and
 * WebSocket, `kill -9` at a moment drawn from the seed, a second server on the same directory, then every check of
 * this folder against what the first server acknowledged and what the second one holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from '../e2e/support/server-process.ts';
import { checkAcknowledged } from './check-acknowledged.ts';
import { checkConsistency } from './check-consistency.ts';
import { checkDeadlines, DEADLINE_GRACE_MS } from './check-deadlines.ts';
import { awaitCursor, checkWebhooks, startFlakyReceiver, subscribe } from './check-webhooks.ts';
import { EventIndex } from './event-index.ts';
import type { Finding } from './findings.ts';
import { ServerHistory } from './history.ts';
import { AckLedger } from './ledger.ts';
import { Prng } from './prng.ts';
import { restCaller } from './transport.ts';
import { DEADLINE_AHEAD_MS, QUEUES, setUpRouting, startWorkload } from './workload.ts';

/** How long the workload runs before the kill, ms: drawn per trial, so the kill lands in every phase of it. */
export const RUN_BEFORE_KILL_MS = { min: 300, max: 2000 } as const;
/**
 * Changes acknowledged before the drawn time starts to count: on a loaded machine the workload runs slower, and a
 * trial killed before it did this much would check next to nothing.
 */
export const ACKNOWLEDGED_BEFORE_KILL = 60;

export interface TrialResult {
  readonly seed: number;
  /** Changes the first server acknowledged. */
  readonly acknowledged: number;
  /** Events of the restarted server's history up to its snapshot. */
  readonly events: number;
  /** Deadlines pending at the kill and due by the snapshot: each was checked to have fired. */
  readonly deadlinesChecked: number;
  readonly findings: readonly Finding[];
}

/**
 * A server that may be hammered: every client of a trial comes from 127.0.0.1, which would otherwise share one
 * budget of Azure's 1,000 requests per 10 s.
 */
const serve = (dataDir: string, store: TrialStore) =>
  startServerProcess([
    ...(store === 'sqlite' ? ['--store', 'sqlite', '--data-dir', dataDir, '--sync', 'full'] : ['--store', 'memory']),
    '--rate-limit', '100000000',
    // Refused webhook deliveries are retried soon, so the restarted server catches up within the trial.
    '--webhook-retry-initial', '10ms', '--webhook-retry-max', '100ms',
  ]);

/**
 * `sqlite` is the store under test. `memory` forgets everything at the kill: the harness's own test runs it to see
 * the checks report the loss.
 */
export type TrialStore = 'sqlite' | 'memory';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runTrial(seed: number, store: TrialStore = 'sqlite'): Promise<TrialResult> {
  const prng = new Prng(seed);
  const dataDir = mkdtempSync(join(tmpdir(), `switchboard-crash-${seed}-`));
  const servers: ServerProcess[] = [];
  const receiver = await startFlakyReceiver(prng.fork('webhooks'));
  try {
    const first = await serve(dataDir, store);
    servers.push(first);
    const ledger = new AckLedger();
    await subscribe(restCaller(first.url), receiver);
    await setUpRouting(restCaller(first.url), ledger);
    const observer = await ServerHistory.open(first.url);
    const workload = await startWorkload(first.url, ledger, prng.fork('workload'));

    const runFor = prng.between(RUN_BEFORE_KILL_MS.min, RUN_BEFORE_KILL_MS.max);
    const waitingSince = Date.now();
    while (ledger.acknowledged < ACKNOWLEDGED_BEFORE_KILL && Date.now() - waitingSince < 20_000) await sleep(20);
    await sleep(runFor);
    await first.stop('SIGKILL');
    const killedAt = Date.now();
    await workload.stop();
    const observedBeforeKill = [...observer.events];
    await observer.close();

    const restartedAt = Date.now();
    const second = await serve(dataDir, store);
    servers.push(second);
    // Every deadline set before the kill is due by now, with the grace the check allows; the longest offers excepted.
    const shortestOfferSeconds = Math.min(...QUEUES.map((queue) => queue.offerSeconds));
    await sleep(Math.max(0, killedAt + DEADLINE_AHEAD_MS.max + shortestOfferSeconds * 1000 + DEADLINE_GRACE_MS - Date.now()));

    const history = await ServerHistory.open(second.url);
    try {
      const snapshot = await history.quietSnapshot();
      if (snapshot === undefined) throw new Error(`trial ${seed}: the restarted server never stood still long enough for a snapshot`);
      const events = history.events.filter((event) => event.sequenceNumber <= snapshot.cutSequence);
      const evidence = { ledger, snapshot, history: events, index: new EventIndex(events), observedBeforeKill, restartedAt };
      const deadlines = checkDeadlines(evidence);
      const caughtUp = await awaitCursor(restCaller(second.url), snapshot.cutSequence);
      return {
        seed,
        acknowledged: ledger.acknowledged,
        events: events.length,
        deadlinesChecked: deadlines.checked,
        findings: [...checkAcknowledged(evidence), ...checkConsistency(evidence), ...deadlines.findings, ...checkWebhooks(evidence, receiver, caughtUp)],
      };
    } finally {
      await history.close();
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop('SIGKILL')));
    await receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The totals of a run of trials, as `npm run crash-test` prints on its last line. */
export interface CrashSummary {
  readonly trials: number;
  readonly lostAcknowledged: number;
  readonly invariantViolations: number;
}

export function summarize(results: readonly TrialResult[]): CrashSummary {
  const count = (kind: Finding['kind']) => results.reduce((sum, result) => sum + result.findings.filter((finding) => finding.kind === kind).length, 0);
  return { trials: results.length, lostAcknowledged: count('lost'), invariantViolations: count('violation') };
}
