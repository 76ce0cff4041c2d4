/**
 * The router against its invariants (STYLE: capacity never exceeded; a job assigned to at most one worker; every
 * offer ends exactly once; nothing lost), over random sequences of commands and clock advances on a manual clock,
 * and the dispatch order of a queue against a plain sort.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJob, offersOf, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';
import { MODES, opsArb, runCommands, setupArb } from './router-model.ts';
import { pinnedCases } from './router-regressions.ts';

describe('router invariants under random commands', () => {
  it('capacity, single assignment, offer limits, offers ending once, nothing lost, gapless events, ranking', async () => {
    await fc.assert(fc.asyncProperty(setupArb, opsArb, runCommands), { numRuns: 250 });
  });

  describe('pinned counterexamples', () => {
    for (const { bug, setup, ops } of pinnedCases) it(bug, () => runCommands(setup, ops));
  });
});

/** The job ids in the order a queue must dispatch them: priority high to low, then the order they were queued. */
function dispatchOrder(priorities: readonly number[]): string[] {
  return priorities
    .map((priority, i) => ({ id: `j${i}`, priority, i }))
    .sort((a, b) => b.priority - a.priority || a.i - b.i)
    .map((job) => job.id);
}

describe('dispatch order', () => {
  it('equally eligible workers are offered jobs priority first, then first come first served', async () => {
    const scenario = fc.record({
      priorities: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 10 }),
      gapsMs: fc.array(fc.nat({ max: 2000 }), { minLength: 10, maxLength: 10 }),
      mode: fc.constantFrom(...MODES),
      workers: fc.integer({ min: 1, max: 3 }),
      /** Which busy worker finishes next, by index among the busy ones. */
      finishing: fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ priorities, gapsMs, mode, workers, finishing }) => {
        const { router, advance, eventsOf } = await openTestRouter();
        await setupQueue(router, { mode });
        for (const [i, priority] of priorities.entries()) {
          await createJob(router, `j${i}`, { priority });
          await advance(gapsMs[i]!);
        }
        const workerIds = Array.from({ length: workers }, (_, i) => `w${i}`);
        for (const id of workerIds) await registerWorker(router, id, { capacity: 1 });
        for (let round = 0; ; round++) {
          const busy: Array<{ workerId: string; offerId: string }> = [];
          for (const workerId of workerIds) for (const { offerId } of await offersOf(router, workerId)) busy.push({ workerId, offerId });
          const next = busy[(finishing[round % finishing.length] ?? 0) % Math.max(1, busy.length)];
          if (!next) break;
          const { jobId, assignmentId } = await router.acceptJobOffer(next.workerId, next.offerId);
          await router.closeJob(jobId, assignmentId);
        }
        expect(eventsOf('RouterWorkerOfferIssued').map((event) => event.data['jobId'])).toEqual(dispatchOrder(priorities));
        await router.close();
      }),
      { numRuns: 60 },
    );
  });
});
