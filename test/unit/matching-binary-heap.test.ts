import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinaryHeap } from '../../src/matching/binary-heap.ts';

interface Item {
  readonly value: number;
  slot: number;
}

const makeHeap = (): BinaryHeap<Item> =>
  new BinaryHeap<Item>(
    (a, b) => a.value < b.value,
    (item, slot) => {
      item.slot = slot;
    },
  );

describe('BinaryHeap', () => {
  it('pops in order and reports slots that removeAt accepts', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 })), fc.array(fc.nat()), (values, removals) => {
        const heap = makeHeap();
        const live = values.map((value) => ({ value, slot: -1 }));
        for (const item of live) heap.push(item);
        for (const r of removals) {
          if (live.length === 0) break;
          const [victim] = live.splice(r % live.length, 1);
          if (victim === undefined) continue;
          expect(heap.removeAt(victim.slot)).toBe(victim);
        }
        expect(heap.size).toBe(live.length);
        expect(heap.drain().map((i) => i.value)).toEqual(live.map((i) => i.value).sort((a, b) => a - b));
      }),
    );
  });

  it('find walks in order without changing the heap and stops outside the bound', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 51 }),
        (values, wanted, bound) => {
          const heap = makeHeap();
          for (const value of values) heap.push({ value, slot: -1 });
          const visited: number[] = [];
          const found = heap.find(
            (item) => {
              visited.push(item.value);
              return item.value >= wanted;
            },
            (item) => item.value < bound,
          );
          const sorted = [...values].sort((a, b) => a - b);
          expect(found?.value).toBe(sorted.find((v) => v >= wanted && v < bound));
          expect(visited).toEqual([...visited].sort((a, b) => a - b));
          expect(heap.drain().map((i) => i.value)).toEqual(sorted);
        },
      ),
    );
  });

  it('replaceTop swaps the first item for another', () => {
    const heap = makeHeap();
    for (const value of [5, 1, 3]) heap.push({ value, slot: -1 });
    heap.replaceTop({ value: 4, slot: -1 });
    expect(heap.drain().map((i) => i.value)).toEqual([3, 4, 5]);
    heap.replaceTop({ value: 7, slot: -1 });
    expect(heap.pop()?.value).toBe(7);
  });

  it('rejects a slot it does not hold', () => {
    expect(() => makeHeap().removeAt(0)).toThrow(RangeError);
  });
});
