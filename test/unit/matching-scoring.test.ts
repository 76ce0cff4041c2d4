import { describe, expect, it } from 'vitest';
import { defaultScore } from '../../src/matching/scoring.ts';
import type { SelectorView } from '../../src/matching/types.ts';
import { job, worker } from './matching-fixtures.ts';

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));

describe('defaultScore — Azure distribution-concepts examples', () => {
  it('label matching: job 1 scores workers A 1, B 0.5, C 0.5', () => {
    const job1 = job({ labels: { language: 'english', department: 'sales' } });
    expect(defaultScore(job1, worker({ id: 'A', labels: { language: 'english', department: 'sales' } }))).toBe(1);
    expect(defaultScore(job1, worker({ id: 'B', labels: { language: 'english' } }))).toBe(0.5);
    expect(defaultScore(job1, worker({ id: 'C', labels: { language: 'english', department: 'support' } }))).toBe(0.5);
  });

  it('equal/notEqual selectors: job 2 scores workers D 0.5, E 1, F 0.5', () => {
    const job2 = job({
      selectors: [
        { key: 'department', labelOperator: 'equal', value: 'billing' },
        { key: 'segment', labelOperator: 'notEqual', value: 'vip' },
      ],
    });
    expect(defaultScore(job2, worker({ id: 'D', labels: { department: 'billing', segment: 'vip' } }))).toBe(0.5);
    expect(defaultScore(job2, worker({ id: 'E', labels: { department: 'billing' } }))).toBe(1);
    expect(defaultScore(job2, worker({ id: 'F', labels: { department: 'sales', segment: 'new' } }))).toBe(0.5);
  });

  it('magnitude selectors: job 3 scores workers G 0.667, H 0.707, I 0.675', () => {
    const job3 = job({
      selectors: [
        { key: 'language', labelOperator: 'equal', value: 'french' },
        { key: 'sales', labelOperator: 'greaterThanOrEqual', value: 10 },
        { key: 'cost', labelOperator: 'lessThanOrEqual', value: 10 },
      ],
    });
    const g = defaultScore(job3, worker({ id: 'G', labels: { language: 'french', sales: 10, cost: 10 } }));
    const h = defaultScore(job3, worker({ id: 'H', labels: { language: 'french', sales: 15, cost: 10 } }));
    const i = defaultScore(job3, worker({ id: 'I', labels: { language: 'french', sales: 10, cost: 9 } }));
    expect(g).toBeCloseTo(0.667, 3);
    expect(h).toBeCloseTo(0.707, 3);
    expect(i).toBeCloseTo(0.675, 3);
  });
});

describe('defaultScore — edge cases', () => {
  const one = (selector: SelectorView, labels: Record<string, string | number | boolean>): number =>
    defaultScore(job({ selectors: [selector] }), worker({ id: 'w', labels }));

  it('is 0 for a job with neither selectors nor labels', () => {
    expect(defaultScore(job(), worker({ id: 'w', labels: { lang: 'en' } }))).toBe(0);
  });

  it('compares job labels strictly by type', () => {
    expect(defaultScore(job({ labels: { level: 1 } }), worker({ id: 'w', labels: { level: '1' } }))).toBe(0);
  });

  it('uses selectors instead of labels when the job has both', () => {
    const both = job({ labels: { lang: 'en' }, selectors: [{ key: 'lang', labelOperator: 'equal', value: 'fr' }] });
    expect(defaultScore(both, worker({ id: 'w', labels: { lang: 'en' } }))).toBe(0);
  });

  it('gives 0 for a magnitude selector whose label is missing or not a number', () => {
    const selector: SelectorView = { key: 'skill', labelOperator: 'greaterThan', value: 5 };
    expect(one(selector, {})).toBe(0);
    expect(one(selector, { skill: '9' })).toBe(0);
    expect(one({ key: 'skill', labelOperator: 'greaterThan', value: '5' }, { skill: 9 })).toBe(0);
  });

  it('scores below one half when a magnitude selector is missed (visible only with bypassSelectors)', () => {
    expect(one({ key: 'skill', labelOperator: 'greaterThan', value: 10 }, { skill: 5 })).toBeCloseTo(logistic(-0.5));
    expect(one({ key: 'cost', labelOperator: 'lessThan', value: 10 }, { cost: 15 })).toBeCloseTo(logistic(-0.5));
  });

  it('divides by 1 when the selector value is 0, so the score stays finite and monotonic', () => {
    expect(one({ key: 'n', labelOperator: 'greaterThanOrEqual', value: 0 }, { n: 0 })).toBe(0.5);
    expect(one({ key: 'n', labelOperator: 'greaterThanOrEqual', value: 0 }, { n: 2 })).toBeCloseTo(logistic(2));
    expect(one({ key: 'n', labelOperator: 'lessThanOrEqual', value: 0 }, { n: -3 })).toBeCloseTo(logistic(3));
  });

  it('divides by |value| for a negative selector value, so exceeding it still scores above one half', () => {
    expect(one({ key: 't', labelOperator: 'greaterThan', value: -10 }, { t: -5 })).toBeCloseTo(logistic(0.5));
    expect(one({ key: 't', labelOperator: 'lessThan', value: -10 }, { t: -15 })).toBeCloseTo(logistic(0.5));
  });
});
