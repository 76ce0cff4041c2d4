/**
 * Weighted allocation (spec §1.9): each job gets exactly one allocation, with probability equal to its weight. Over
 * many jobs the split must match the weights within what a binomial test allows — here 4 standard deviations,
 * which a correct implementation exceeds about once in 16,000 checks. Randomness is injected and seeded, so every
 * run is reproducible.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pickWeighted } from '../../src/policy/weighted.ts';
import { openTestRouter } from '../support/router-fixture.ts';

/** A small seeded PRNG (mulberry32): uniform draws in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether `count` successes in `n` trials are within 4 standard deviations of a success probability `p`. */
function withinBinomialTolerance(count: number, n: number, p: number): boolean {
  return Math.abs(count - n * p) <= 4 * Math.sqrt(n * p * (1 - p));
}

describe('weighted allocation', () => {
  it('through the router: 2,000 jobs split 0.3 / 0.7 between two queues within binomial tolerance', async () => {
    const { router } = await openTestRouter({ random: seeded(20260101) });
    await router.upsertDistributionPolicy('dp', { mode: { kind: 'longestIdle' } });
    await router.upsertQueue('a', { distributionPolicyId: 'dp', labels: { Pool: 'A' } });
    await router.upsertQueue('b', { distributionPolicyId: 'dp', labels: { Pool: 'B' } });
    await router.upsertClassificationPolicy('cp', {
      queueSelectorAttachments: [
        {
          kind: 'weightedAllocation',
          allocations: [
            { weight: 0.3, queueSelectors: [{ key: 'Pool', labelOperator: 'equal', value: 'A' }] },
            { weight: 0.7, queueSelectors: [{ key: 'Pool', labelOperator: 'equal', value: 'B' }] },
          ],
        },
      ],
    });
    const jobs = 2_000;
    for (let i = 0; i < jobs; i++) await router.upsertJob(`j${i}`, { channelId: 'voice', classificationPolicyId: 'cp' });
    const inA = (await router.getQueueStatistics('a')).length;
    const inB = (await router.getQueueStatistics('b')).length;
    expect(inA + inB).toBe(jobs);
    expect(withinBinomialTolerance(inA, jobs, 0.3), `${inA} of ${jobs} in the 0.3 queue`).toBe(true);
  });

  it('the weights, not the seed, decide the split: any seed and any weights give the weighted shares', () => {
    const weightsArbitrary = fc
      .array(fc.integer({ min: 1, max: 20 }), { minLength: 2, maxLength: 5 })
      .map((parts) => {
        const total = parts.reduce((sum, part) => sum + part, 0);
        return parts.map((part) => part / total);
      });
    fc.assert(
      fc.property(fc.integer(), weightsArbitrary, (seed, weights) => {
        const allocations = weights.map((weight, index) => ({ weight, index }));
        const random = seeded(seed);
        const draws = 4_000;
        const counts = new Array<number>(weights.length).fill(0);
        for (let i = 0; i < draws; i++) counts[pickWeighted(allocations, random)!.index]!++;
        return counts.every((count, i) => withinBinomialTolerance(count, draws, weights[i]!));
      }),
      { seed: 20260101, numRuns: 50 },
    );
  });

  it('a draw falls to the allocation whose share of [0, 1) contains it', () => {
    const allocations = [{ weight: 0.3, name: 'A' }, { weight: 0.7, name: 'B' }];
    const pick = (draw: number) => pickWeighted(allocations, () => draw)!.name;
    expect([0, 0.2999, 0.3, 0.9999].map(pick)).toEqual(['A', 'A', 'B', 'B']);
  });
});
