import { describe, expect, it } from 'vitest';
import { isEligible } from '../../src/matching/eligibility.ts';
import { job, worker } from './matching-fixtures.ts';

describe('isEligible', () => {
  const spanish = job({ selectors: [{ key: 'lang', labelOperator: 'equal', value: 'es' }] });
  const speaker = worker({ id: 'w1', labels: { lang: 'es' } });

  it('accepts an active worker on the queue with room that satisfies the selectors', () => {
    expect(isEligible(speaker, spanish, false)).toBe(true);
  });

  it.each([
    ['inactive', worker({ id: 'w1', labels: { lang: 'es' }, active: false })],
    ['not on the queue', worker({ id: 'w1', labels: { lang: 'es' }, queues: ['other'] })],
    [
      'without the channel',
      worker({ id: 'w1', labels: { lang: 'es' }, channels: { voice: { capacityCostPerJob: 1 } } }),
    ],
    ['out of capacity', worker({ id: 'w1', labels: { lang: 'es' }, capacity: 1, usedCapacity: 1 })],
    ['at its maxConcurrentOffers', worker({ id: 'w1', labels: { lang: 'es' }, offerCount: 1, maxConcurrentOffers: 1 })],
  ])('rejects a worker %s', (_, w) => {
    expect(isEligible(w, spanish, false)).toBe(false);
  });

  it('lets a worker under its maxConcurrentOffers through', () => {
    const underCap = worker({ id: 'w1', labels: { lang: 'es' }, offerCount: 1, maxConcurrentOffers: 2 });
    expect(isEligible(underCap, spanish, false)).toBe(true);
  });

  it('rejects a worker already holding an offer for the job, or that declined it', () => {
    expect(isEligible(speaker, { ...spanish, offeredTo: new Set(['w1']) }, false)).toBe(false);
    expect(isEligible(speaker, { ...spanish, declinedBy: new Set(['w1']) }, false)).toBe(false);
  });

  it('rejects a worker failing a selector unless selectors are bypassed', () => {
    const other = worker({ id: 'w2', labels: { lang: 'en' } });
    expect(isEligible(other, spanish, false)).toBe(false);
    expect(isEligible(other, spanish, true)).toBe(true);
  });

  it('does not let bypassSelectors override capacity or declines', () => {
    const full = worker({ id: 'w2', capacity: 1, usedCapacity: 1 });
    expect(isEligible(full, spanish, true)).toBe(false);
    expect(isEligible(worker({ id: 'w2' }), { ...spanish, declinedBy: new Set(['w2']) }, true)).toBe(false);
  });
});
