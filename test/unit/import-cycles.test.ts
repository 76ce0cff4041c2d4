import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildImportGraph, findCycles } from '../support/import-graph.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const graph = buildImportGraph(root, ['src', 'machines']);

describe('module graph of src/ and machines/', () => {
  it('is read: the walk finds the modules and their imports', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/engine/engine.ts')).toContain('machines/job.machine.ts');
  });

  it('has no import cycles (type-only imports included)', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('detects a cycle when there is one', () => {
    const looped = new Map([
      ['a.ts', new Set(['b.ts'])],
      ['b.ts', new Set(['c.ts'])],
      ['c.ts', new Set(['a.ts'])],
      ['d.ts', new Set(['a.ts'])],
    ]);
    expect(findCycles(looped)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('keeps the inner layers (machines, engine, policy, operations) from importing the gateway', () => {
    const inner = /^(machines|src\/(engine|policy|operations))\//;
    const offending: string[] = [];
    for (const [from, targets] of graph) {
      if (!inner.test(from)) continue;
      for (const to of targets) if (to.startsWith('src/gateway/')) offending.push(`${from} -> ${to}`);
    }
    expect(offending).toEqual([]);
  });

  it('keeps the state machines free of the engine, policy, operations and gateway', () => {
    const offending: string[] = [];
    for (const [from, targets] of graph) {
      if (!from.startsWith('machines/')) continue;
      for (const to of targets) if (/^src\/(engine|policy|operations|gateway)\//.test(to)) offending.push(`${from} -> ${to}`);
    }
    expect(offending).toEqual([]);
  });
});
