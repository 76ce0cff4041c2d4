import type { DistributionPolicy } from '../../src/protocol/distribution-policy.schemas.ts';
import type { RouterJob } from '../../src/protocol/job.schemas.ts';
import type { RouterQueue } from '../../src/protocol/queue.schemas.ts';
import type { RouterWorker } from '../../src/protocol/worker.schemas.ts';
import type { Router } from '../../src/router.ts';

/**
 * Everything a caller can list, plus the last event number: two equal snapshots mean a command changed nothing a
 * caller can see (etags included, so even a no-op rewrite would show). Lists are sorted by id: their order is not
 * part of the contract (a restart restores workers in idle order, for one).
 */
export interface VisibleState {
  readonly policies: readonly DistributionPolicy[];
  readonly queues: readonly RouterQueue[];
  readonly jobs: readonly RouterJob[];
  readonly workers: readonly RouterWorker[];
  readonly lastEvent: number;
}

export async function visibleState(router: Router): Promise<VisibleState> {
  const [policies, queues, jobs, workers] = await Promise.all([
    router.listDistributionPolicies({ maxpagesize: 1000 }),
    router.listQueues({ maxpagesize: 1000 }),
    router.listJobs({ maxpagesize: 1000 }),
    router.listWorkers({ maxpagesize: 1000 }),
  ]);
  return {
    policies: byId(policies.value),
    queues: byId(queues.value),
    jobs: byId(jobs.value),
    workers: byId(workers.value),
    lastEvent: router.lastSequenceNumber,
  };
}

function byId<T extends { readonly id: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
