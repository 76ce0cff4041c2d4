/**
 * Counterexamples the router property test found, shrunk and then cut down by hand, replayed before every random
 * run (`examples`). Each names the bug it caught; the seed is the run that found it, for the record (seeds stop
 * reproducing as soon as the generators change, the cases below do not).
 */
import type { Op, PolicySpec, Setup, WorkerConfig } from './router-model.ts';

const single: PolicySpec = { mode: 'bestWorker', minConcurrentOffers: 1, maxConcurrentOffers: 1, offerExpiresAfterSeconds: undefined };
const chatWorker = (capacity: number, cost: number, queues: readonly string[]): WorkerConfig => ({
  capacity,
  channels: [{ channelId: 'chat', capacityCostPerJob: cost }],
  queues,
  labels: {},
  availableForOffers: true,
  maxConcurrentOffers: undefined,
});
const chatJob: Op = { kind: 'createJob', queue: 0, channel: 'chat', priority: 0, selectors: [], matching: 'queueAndMatch' };

export const pinnedCases: ReadonlyArray<[Setup, Op[]]> = [
  // Seed 1184154540: lowering a worker's capacity (2 → 1) left its offer costing 2 outstanding.
  [
    { policies: [single, single, single], queuePolicies: [0, 0], workers: [chatWorker(2, 2, ['q0'])] },
    [chatJob, { kind: 'upsertWorker', worker: 0, config: chatWorker(1, 0, ['q0']) }],
  ],
  // Seed 1630111440: moving a queue to a policy with a lower maxConcurrentOffers left the job's extra offer out.
  [
    {
      policies: [{ ...single, maxConcurrentOffers: 2 }, single, single],
      queuePolicies: [0, 0],
      workers: [chatWorker(1, 0, ['q0']), chatWorker(1, 0, ['q0'])],
    },
    [chatJob, { kind: 'upsertQueue', queue: 0, policy: 1 }, chatJob],
  ],
  // Seed -2133302322: a restart after a decline (listing order changes across a restart; contents must not).
  [
    { policies: [single, single, single], queuePolicies: [0, 0], workers: [chatWorker(1, 0, ['q0']), { ...chatWorker(1, 0, ['q1']), availableForOffers: false }] },
    [{ kind: 'advance', ms: 1 }, chatJob, { kind: 'decline', pick: 0, retryAfterMs: undefined }, { kind: 'restart' }, { kind: 'accept', pick: 0 }],
  ],
];
