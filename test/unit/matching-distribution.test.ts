import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRatio } from '../../src/matching/capacity.ts';
import { rankWorkers } from '../../src/matching/distribution.ts';
import { isEligible } from '../../src/matching/eligibility.ts';
import { defaultScore } from '../../src/matching/scoring.ts';
import type { DistributionKind, DistributionView, WorkerScorer, WorkerView } from '../../src/matching/types.ts';
import { job, worker } from './matching-fixtures.ts';

const policy = (kind: DistributionKind, extra: Partial<DistributionView> = {}): DistributionView => ({
  kind,
  minConcurrentOffers: 1,
  maxConcurrentOffers: 1,
  bypassSelectors: false,
  descendingOrder: true,
  ...extra,
});

const ids = (workers: readonly WorkerView[]): string[] => workers.map((w) => w.id);
const MINUTE = 60_000;
const NOW = 60 * MINUTE;

describe('roundRobin', () => {
  const team = ['c', 'a', 'd', 'b'].map((id) => worker({ id }));
  const rr = policy('roundRobin');

  it('starts at the smallest id, advances the cursor and wraps around', () => {
    let cursor: string | undefined;
    const picked: string[] = [];
    for (let i = 0; i < 6; i++) {
      const result = rankWorkers(job(), team, rr, cursor, 1);
      picked.push(...ids(result.workers));
      cursor = result.cursor;
    }
    expect(picked).toEqual(['a', 'b', 'c', 'd', 'a', 'b']);
    expect(cursor).toBe('b');
  });

  it('returns several workers in order after the cursor, wrapping, and moves the cursor to the last', () => {
    const result = rankWorkers(job(), team, rr, 'c', 3);
    expect(ids(result.workers)).toEqual(['d', 'a', 'b']);
    expect(result.cursor).toBe('b');
  });

  it('starts after a cursor that is no longer among the workers', () => {
    expect(ids(rankWorkers(job(), team, rr, 'bb', 1).workers)).toEqual(['c']);
  });

  it('skips ineligible workers and keeps the cursor when nobody is eligible', () => {
    const result = rankWorkers(job({ declinedBy: ['d'] }), team, rr, 'c', 1);
    expect(ids(result.workers)).toEqual(['a']);
    const none = rankWorkers(job({ queueId: 'elsewhere' }), team, rr, 'c', 2);
    expect(none).toEqual({ workers: [], cursor: 'c' });
  });

  it('compares ids as plain strings, not by locale', () => {
    const mixed = ['b', 'B', 'a', 'A'].map((id) => worker({ id }));
    expect(ids(rankWorkers(job(), mixed, rr, undefined, 4).workers)).toEqual(['A', 'B', 'a', 'b']);
  });
});

describe('longestIdle', () => {
  // Azure's example: each chat costs 1 capacity.
  const a = worker({ id: 'A', capacity: 5, usedCapacity: 3, availableSince: NOW - 5 * MINUTE });
  const b = worker({ id: 'B', capacity: 4, usedCapacity: 3, availableSince: NOW - 3 * MINUTE });
  const c = worker({ id: 'C', capacity: 5, usedCapacity: 3, availableSince: NOW - 7 * MINUTE });
  const d = worker({ id: 'D', capacity: 3, usedCapacity: 0, availableSince: NOW - 2 * MINUTE });

  it('orders the documented workers D, C, A, B', () => {
    expect(ids(rankWorkers(job(), [a, b, c, d], policy('longestIdle'), undefined, 4).workers)).toEqual([
      'D',
      'C',
      'A',
      'B',
    ]);
  });

  it('returns only the best when the limit is 1, and leaves the cursor alone', () => {
    const result = rankWorkers(job(), [a, b, c, d], policy('longestIdle'), 'x', 1);
    expect(ids(result.workers)).toEqual(['D']);
    expect(result.cursor).toBe('x');
  });

  it('breaks a full tie by id', () => {
    const twins = [worker({ id: 'y' }), worker({ id: 'x' })];
    expect(ids(rankWorkers(job(), twins, policy('longestIdle'), undefined, 2).workers)).toEqual(['x', 'y']);
  });
});

describe('bestWorker', () => {
  const job3 = job({
    selectors: [
      { key: 'language', labelOperator: 'equal', value: 'french' },
      { key: 'sales', labelOperator: 'greaterThanOrEqual', value: 10 },
      { key: 'cost', labelOperator: 'lessThanOrEqual', value: 10 },
    ],
  });
  const g = worker({ id: 'G', labels: { language: 'french', sales: 10, cost: 10 } });
  const h = worker({ id: 'H', labels: { language: 'french', sales: 15, cost: 10 } });
  const i = worker({ id: 'I', labels: { language: 'french', sales: 10, cost: 9 } });

  it('orders the documented workers H, I, G by default score', () => {
    expect(ids(rankWorkers(job3, [g, h, i], policy('bestWorker'), undefined, 3).workers)).toEqual(['H', 'I', 'G']);
  });

  it('orders low to high when descendingOrder is false', () => {
    const ascending = policy('bestWorker', { descendingOrder: false });
    expect(ids(rankWorkers(job3, [g, h, i], ascending, undefined, 3).workers)).toEqual(['G', 'I', 'H']);
  });

  it('leaves out workers that fail the selectors unless bypassSelectors', () => {
    const english = worker({ id: 'E', labels: { language: 'english', sales: 100, cost: 0 } });
    expect(ids(rankWorkers(job3, [english, g], policy('bestWorker'), undefined, 2).workers)).toEqual(['G']);
    const bypass = policy('bestWorker', { bypassSelectors: true });
    // English scores (0 + σ(9) + σ(1)) / 3 ≈ 0.577 < G's 0.667.
    expect(ids(rankWorkers(job3, [english, g], bypass, undefined, 2).workers)).toEqual(['G', 'E']);
  });

  it('gives a tie to the longest idle worker, then to the smaller id', () => {
    const sales = job({ labels: { language: 'english', department: 'sales' } });
    const workers = [
      worker({ id: 'B', labels: { language: 'english' }, availableSince: NOW - MINUTE }),
      worker({ id: 'C', labels: { language: 'english', department: 'support' }, availableSince: NOW - 9 * MINUTE }),
      worker({ id: 'A', labels: { language: 'english', department: 'sales' }, availableSince: NOW }),
      worker({ id: 'Z', labels: { language: 'english' }, availableSince: NOW - MINUTE }),
    ];
    expect(ids(rankWorkers(sales, workers, policy('bestWorker'), undefined, 4).workers)).toEqual(['A', 'C', 'B', 'Z']);
  });

  it('uses a custom scorer, given only the eligible workers at once', () => {
    const seen: string[][] = [];
    const byTenure: WorkerScorer = {
      score: (_job, workers) => {
        seen.push(ids(workers));
        return workers.map((w) => Number(w.labels['tenure']));
      },
    };
    const team = [
      worker({ id: 'junior', labels: { tenure: 1 } }),
      worker({ id: 'senior', labels: { tenure: 9 } }),
      worker({ id: 'away', labels: { tenure: 20 }, active: false }),
      worker({ id: 'mid', labels: { tenure: 5 } }),
    ];
    const result = rankWorkers(job(), team, policy('bestWorker', { scorer: byTenure }), undefined, 2);
    expect(ids(result.workers)).toEqual(['senior', 'mid']);
    expect(seen).toEqual([['junior', 'senior', 'mid']]);
  });

  it('ranks workers a custom scorer gave no score or NaN last', () => {
    const sloppy: WorkerScorer = { score: () => [Number.NaN, 0.1] };
    const team = [worker({ id: 'a' }), worker({ id: 'b' }), worker({ id: 'c' })];
    const result = rankWorkers(job(), team, policy('bestWorker', { scorer: sloppy }), undefined, 3);
    expect(ids(result.workers)).toEqual(['b', 'a', 'c']);
  });
});

describe('rankWorkers bounded selection', () => {
  it('returns nothing for a limit below 1', () => {
    expect(rankWorkers(job(), [worker({ id: 'a' })], policy('longestIdle'), 'k', 0)).toEqual({
      workers: [],
      cursor: 'k',
    });
  });

  /** The specification of each mode as a full sort of the eligible workers. */
  function reference(
    kind: DistributionKind,
    descendingOrder: boolean,
    workers: readonly WorkerView[],
    cursor: string | undefined,
    limit: number,
  ): string[] {
    const j = job({ selectors: [{ key: 'skill', labelOperator: 'greaterThan', value: 2 }] });
    const eligible = workers.filter((w) => isEligible(w, j, false));
    const byId = (x: WorkerView, y: WorkerView): number => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
    const byIdle = (x: WorkerView, y: WorkerView): number => x.availableSince - y.availableSince || byId(x, y);
    const compare = {
      roundRobin: (x: WorkerView, y: WorkerView) => {
        const wrapX = cursor !== undefined && x.id <= cursor ? 1 : 0;
        const wrapY = cursor !== undefined && y.id <= cursor ? 1 : 0;
        return wrapX - wrapY || byId(x, y);
      },
      longestIdle: (x: WorkerView, y: WorkerView) => loadRatio(x) - loadRatio(y) || byIdle(x, y),
      bestWorker: (x: WorkerView, y: WorkerView) => {
        const diff = defaultScore(j, y) - defaultScore(j, x);
        return (descendingOrder ? diff : -diff) || byIdle(x, y);
      },
    }[kind];
    return ids([...eligible].sort(compare).slice(0, limit));
  }

  it('picks the same workers, in the same order, as a full sort', () => {
    const workerArb = fc.record({
      id: fc.string({ minLength: 1, maxLength: 3 }),
      skill: fc.integer({ min: 0, max: 6 }),
      used: fc.integer({ min: 0, max: 4 }),
      idle: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(workerArb, { selector: (w) => w.id, maxLength: 30, size: 'max' }),
        fc.constantFrom<DistributionKind>('roundRobin', 'longestIdle', 'bestWorker'),
        fc.boolean(),
        fc.option(fc.string({ maxLength: 3 }), { nil: undefined }),
        fc.integer({ min: 1, max: 8 }),
        (specs, kind, descendingOrder, cursor, limit) => {
          const workers = specs.map((s) =>
            worker({ id: s.id, labels: { skill: s.skill }, capacity: 4, usedCapacity: s.used, availableSince: s.idle }),
          );
          const j = job({ selectors: [{ key: 'skill', labelOperator: 'greaterThan', value: 2 }] });
          const result = rankWorkers(j, workers, policy(kind, { descendingOrder }), cursor, limit);
          expect(ids(result.workers)).toEqual(reference(kind, descendingOrder, workers, cursor, limit));
        },
      ),
    );
  });
});
