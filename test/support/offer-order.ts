import { expect } from 'vitest';
import type { Router } from '../../src/router.ts';

/**
 * The order in which workers are offered `jobId` when each declines in turn: with one offer at a time, the workers
 * that hold it one after another are the distribution mode's ranking, read through behaviour alone.
 */
export async function declineChain(router: Router, jobId: string, workerIds: readonly string[]): Promise<string[]> {
  const order: string[] = [];
  for (;;) {
    const holders: Array<{ workerId: string; offerId: string }> = [];
    for (const workerId of workerIds)
      for (const offer of (await router.getWorker(workerId)).offers)
        if (offer.jobId === jobId) holders.push({ workerId, offerId: offer.offerId });
    if (holders.length === 0) return order;
    expect(holders, `one offer of ${jobId} at a time`).toHaveLength(1);
    const [holder] = holders;
    order.push(holder!.workerId);
    await router.declineJobOffer(holder!.workerId, holder!.offerId);
  }
}
