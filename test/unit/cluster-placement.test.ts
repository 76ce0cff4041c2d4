import { describe, expect, it } from 'vitest';
import { chosenNodes, placementStep, type RouterView } from '../../src/cluster/placement.ts';

const DELAYS = { graceMs: 1000, settleMs: 2000 };
const routers = (count: number) => Array.from({ length: count }, (_, i) => `router-${i}`);
const nodes = (count: number) => Array.from({ length: count }, (_, i) => `host/${1000 + i}/n${i}`);

function shares(chosen: Map<string, string>, among: readonly string[]): number[] {
  return among.map((node) => [...chosen.values()].filter((one) => one === node).length);
}

describe('chosenNodes', () => {
  it('gives every node an even share, never one with none while another has two', () => {
    for (const [routerCount, nodeCount] of [[4, 3], [2, 3], [3, 3], [10, 4], [1, 5], [7, 2]] as const) {
      const among = nodes(nodeCount);
      const counts = shares(chosenNodes(routers(routerCount), among), among);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(routerCount);
    }
  });

  it('chooses the same whatever order the nodes and routers are listed in, so every node agrees', () => {
    const among = nodes(3);
    expect(chosenNodes(routers(8).reverse(), [...among].reverse())).toEqual(chosenNodes(routers(8), among));
  });

  it('moves only some routers when a node joins', () => {
    const before = chosenNodes(routers(12), nodes(3));
    const after = chosenNodes(routers(12), nodes(4));
    const moved = routers(12).filter((router) => before.get(router) !== after.get(router));
    expect(moved.length).toBeLessThan(12);
  });
});

describe('placementStep', () => {
  const view = (over: Partial<RouterView>): RouterView => ({
    self: 'a',
    choice: 'a',
    others: new Map([['b', 0]]),
    owned: false,
    freeSince: undefined,
    now: 10_000,
    ...over,
  });

  it('claims a free router at once where it belongs, elsewhere only once it has stayed free past the grace delay', () => {
    expect(placementStep(view({ freeSince: 10_000 }), DELAYS)).toBe('claim');
    expect(placementStep(view({ choice: 'b', freeSince: 9500 }), DELAYS)).toBe('none');
    expect(placementStep(view({ choice: 'b', freeSince: 9000 }), DELAYS)).toBe('claim');
  });

  it('leaves a router another node holds alone', () => {
    expect(placementStep(view({ freeSince: undefined }), DELAYS)).toBe('none');
  });

  it('hands a router to the node it belongs on once that node has been live long enough', () => {
    expect(placementStep(view({ owned: true }), DELAYS)).toBe('none');
    expect(placementStep(view({ owned: true, choice: 'b', others: new Map([['b', 9000]]) }), DELAYS)).toBe('none');
    expect(placementStep(view({ owned: true, choice: 'b', others: new Map([['b', 8000]]) }), DELAYS)).toBe('release');
  });
});
