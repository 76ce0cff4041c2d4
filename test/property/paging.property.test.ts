import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderedIdMap } from '../../src/engine/ordered-ids.ts';
import { everything, paginate } from '../../src/operations/paging.ts';

const id = fc.stringMatching(/^[a-zA-Z0-9_-]{1,4}$/);
/** Between two pages: add or delete some ids. */
const change = fc.record({ add: fc.array(id, { maxLength: 4 }), remove: fc.array(id, { maxLength: 4 }) });

describe('keyset paging', () => {
  it('while ids come and go between pages, a walk serves ids in ascending order, never twice, and every id present throughout', () => {
    fc.assert(
      fc.property(fc.uniqueArray(id, { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), fc.array(change, { maxLength: 30 }), (initial, size, changes) => {
        const map = new OrderedIdMap<string>();
        for (const key of initial) map.set(key, key);
        const alwaysPresent = new Set(initial);
        const served: string[] = [];
        let pageToken: string | undefined;
        let step = 0;
        do {
          const page = paginate(map, { maxpagesize: size, pageToken }, everything, (value, key) => {
            expect(value).toBe(key);
            return key;
          });
          expect(page.value.length).toBeLessThanOrEqual(size);
          served.push(...page.value);
          pageToken = page.nextPageToken;
          const { add = [], remove = [] } = changes[step++] ?? {};
          for (const key of add) map.set(key, key);
          for (const key of remove) {
            map.delete(key);
            alwaysPresent.delete(key);
          }
        } while (pageToken !== undefined);

        expect(served).toEqual([...served].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(new Set(served).size).toBe(served.length);
        for (const key of alwaysPresent) expect(served).toContain(key);
      }),
    );
  });

  it('iterates the map itself in insertion order, as Map does, and in id order only through entriesAfter', () => {
    fc.assert(
      fc.property(fc.uniqueArray(id, { maxLength: 30 }), (keys) => {
        const map = new OrderedIdMap<number>();
        keys.forEach((key, index) => map.set(key, index));
        expect([...map.keys()]).toEqual(keys);
        expect([...map.entriesAfter()].map(([key]) => key)).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }),
    );
  });
});
