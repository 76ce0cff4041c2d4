/** The populations the in-process benchmarks build: queues under longest idle, workers with mixed channels and labels, waiting jobs. */
import { Router } from '../../src/router.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';

let nextId = 0;
/** Short, unique ids for offers, assignments and events. */
export const newId = () => (++nextId).toString(36);

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

export async function openRouter(): Promise<Router> {
  return Router.open({ store: new MemoryStore({ eventRetention: 10_000 }), newId });
}

export async function setUpQueues(router: Router, queues: number, offerExpiresAfterSeconds = 60): Promise<void> {
  await router.upsertDistributionPolicy('longest-idle', { offerExpiresAfterSeconds, mode: { kind: 'longestIdle' } });
  for (let q = 0; q < queues; q++) await router.upsertQueue(`q${q}`, { distributionPolicyId: 'longest-idle' });
}

const channels = [
  { channelId: 'voice', capacityCostPerJob: 100 },
  { channelId: 'chat', capacityCostPerJob: 25 },
];

/** Workers spread over the queues, with mixed channels and labels. */
export async function addWorkers(router: Router, count: number, queues: number): Promise<void> {
  for (let w = 0; w < count; w++) {
    await router.upsertWorker(`w${w}`, {
      queues: [`q${w % queues}`],
      capacity: 100,
      channels: w % 3 === 0 ? channels : [channels[1]],
      labels: { language: w % 2 === 0 ? 'en' : 'fr', level: w % 10 },
      availableForOffers: true,
    });
  }
}

/** Jobs that wait: they ask for a label no worker has, one of `selectorSets` distinct values. */
export async function queueWaitingJobs(router: Router, count: number, selectorSets: number, queues: number): Promise<void> {
  for (let j = 0; j < count; j++) {
    await router.upsertJob(`wait${j}`, {
      queueId: `q${j % queues}`,
      channelId: 'chat',
      priority: j % 5,
      requestedWorkerSelectors: [{ key: 'skill', labelOperator: 'equal', value: `s${j % selectorSets}` }],
    });
  }
}
