/**
 * Counterexamples the router property test found, shrunk and then cut down by hand, each replayed as its own test
 * named after the bug it caught. The seed is the run that found it, for the record (seeds stop reproducing as soon
 * as the generators change; the cases below do not).
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
/** Capacity 1, voice and chat both free of cost. */
const freeWorker = (queues: readonly string[]): WorkerConfig => ({
  ...chatWorker(1, 0, queues),
  channels: [
    { channelId: 'voice', capacityCostPerJob: 0 },
    { channelId: 'chat', capacityCostPerJob: 0 },
  ],
});
const chatJob: Op = { kind: 'createJob', queue: 0, channel: 'chat', priority: 0, selectors: [], matching: 'queueAndMatch' };

export interface PinnedCase {
  readonly bug: string;
  readonly setup: Setup;
  readonly ops: readonly Op[];
}

const voiceJob: Op = { ...chatJob, channel: 'voice' };
const longestIdle: PolicySpec = { ...single, mode: 'longestIdle' };

export const pinnedCases: readonly PinnedCase[] = [
  {
    bug: 'seed 1184154540: lowering a worker capacity (2 to 1) left its offer costing 2 outstanding',
    setup: { policies: [single, single, single], queuePolicies: [0, 0], workers: [chatWorker(2, 2, ['q0'])] },
    ops: [chatJob, { kind: 'upsertWorker', worker: 0, config: chatWorker(1, 0, ['q0']) }],
  },
  {
    bug: 'seed 1630111440: moving a queue to a policy with a lower maxConcurrentOffers left the extra offer out',
    setup: {
      policies: [{ ...single, maxConcurrentOffers: 2 }, single, single],
      queuePolicies: [0, 0],
      workers: [chatWorker(1, 0, ['q0']), chatWorker(1, 0, ['q0'])],
    },
    ops: [chatJob, { kind: 'upsertQueue', queue: 0, policy: 1 }, chatJob],
  },
  {
    bug: 'seed -2133302322: a restart after a decline (list order changes across a restart; contents must not)',
    setup: {
      policies: [single, single, single],
      queuePolicies: [0, 0],
      workers: [chatWorker(1, 0, ['q0']), { ...chatWorker(1, 0, ['q1']), availableForOffers: false }],
    },
    ops: [{ kind: 'advance', ms: 1 }, chatJob, { kind: 'decline', pick: 0, retryAfterMs: undefined }, { kind: 'restart' }, { kind: 'accept', pick: 0 }],
  },
  {
    bug: 'seed -470819146: the longest-idle shortcut offered a job costing 0 to a worker of capacity 0',
    setup: {
      policies: [longestIdle, single, single],
      queuePolicies: [0, 0],
      workers: [{ ...chatWorker(0, 0, ['q0']), channels: [{ channelId: 'voice', capacityCostPerJob: 0 }] }],
    },
    ops: [voiceJob],
  },
  {
    bug: 'seed 1120535059: with jobs on free channels, the longest-idle shortcut and the full ranking disagreed on who is idle',
    setup: {
      policies: [longestIdle, single, single],
      queuePolicies: [0, 0],
      workers: [
        { ...freeWorker(['q1']), availableForOffers: false },
        freeWorker(['q1']),
        { ...chatWorker(1, 0, ['q0']) },
      ],
    },
    ops: [
      { kind: 'createJob', queue: 0, channel: 'voice', priority: 0, selectors: [], matching: 'queueAndMatch' },
      { kind: 'upsertWorker', worker: 0, config: freeWorker(['q1']) },
      { kind: 'createJob', queue: 1, channel: 'voice', priority: 0, selectors: [], matching: 'queueAndMatch' },
      { kind: 'createJob', queue: 1, channel: 'voice', priority: 0, selectors: [], matching: 'queueAndMatch' },
      { kind: 'setAvailable', worker: 0, available: false },
      { kind: 'close', pick: 0, closeAfterMs: undefined },
    ],
  },
];
