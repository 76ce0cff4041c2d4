import type { DistributionPolicy } from '../../src/protocol/distribution-policy.schemas.ts';
import type { RouterJob } from '../../src/protocol/job.schemas.ts';
import type { RouterQueue } from '../../src/protocol/queue.schemas.ts';
import type { RouterWorker } from '../../src/protocol/worker.schemas.ts';
import type { Router } from '../../src/router.ts';

/**
 * Everything a caller can list, plus the last event number: two equal snapshots mean a command changed nothing a
 * caller can see (etags included, so even a no-op rewrite would show).
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
    policies: policies.value,
    queues: queues.value,
    jobs: jobs.value,
    workers: workers.value,
    lastEvent: router.engine.log.lastSequenceNumber,
  };
}
