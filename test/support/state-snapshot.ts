import type { Router } from '../../src/router.ts';

/**
 * Everything a caller can list, plus the last event number: two equal snapshots mean a command changed nothing a
 * caller can see (etags included, so even a no-op rewrite would show).
 */
export async function visibleState(router: Router): Promise<unknown> {
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
