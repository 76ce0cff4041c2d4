import { createRequire } from 'node:module';
import type ElkModule from 'elkjs/lib/elk.bundled.js';
import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { exportMachine, exportMachines } from '../../src/console/machine-definitions.ts';
import {
  allStates,
  chartModel,
  elkGraph,
  estimateText,
  guardText,
  stateForValue,
  transitionText,
  type DefinitionNode,
  type ElkNode,
} from '../../src/console/ui/chart-model.ts';

// elkjs is CommonJS whose declarations use `export default`; `require` gives the class under Node and Vite alike.
const ELK = createRequire(import.meta.url)('elkjs/lib/elk.bundled.js') as typeof ElkModule.default;

const definitionOf = (id: string) => exportMachines().find((machine) => machine.id === id)!.definition as unknown as DefinitionNode;

describe('chart model from a machine definition', () => {
  it('draws every state of the job machine and every one of its transitions, machine-wide ones apart', () => {
    const model = chartModel(definitionOf('job'));
    expect(allStates(model).map((state) => state.key).sort()).toEqual(
      ['assigned', 'cancelled', 'classificationFailed', 'closed', 'completed', 'created', 'pendingClassification', 'pendingSchedule', 'queued', 'scheduleFailed', 'scheduled', 'waitingForActivation'],
    );
    const drawn = model.edges.flatMap((edge) => edge.transitions);
    // 38 transitions declared on states, 3 on the machine itself (job.update, job.amend, job.selectorsExpired,
    // targetless everywhere).
    expect(drawn).toHaveLength(38);
    expect(model.everywhere.map((transition) => transition.event)).toEqual(['job.update', 'job.amend', 'job.selectorsExpired']);
    // One arrow per source and target; the initial pseudo-state points at `created`.
    expect(new Set(model.edges.map((edge) => edge.id)).size).toBe(model.edges.length);
    expect(model.edges.find((edge) => edge.source === model.initialNode)?.target).toBe('job.created');
  });

  it('keeps guarded branches of one event apart and spells out higher-order guards', () => {
    const model = chartModel(definitionOf('job'));
    const toWaiting = model.edges.find((edge) => edge.id === 'job.assigned->job.waitingForActivation')!;
    expect(toWaiting.transitions.map((transition) => transitionText(transition, 'job'))).toEqual(['unassign [mayUnassign && suspendsMatching]']);
    const toQueued = model.edges.find((edge) => edge.id === 'job.assigned->job.queued')!;
    expect(toQueued.transitions).toEqual([{ event: 'job.unassign', guard: 'mayUnassign', actions: ['announceUnassigned', 'recordUnassign', 'recordEnqueued'] }]);
    expect(guardText({ type: 'xstate.not', guards: ['isA'] })).toBe('!isA');
    expect(guardText({ type: 'xstate.or', guards: ['isA', { type: 'xstate.and', guards: ['isB', 'isC'] }] })).toBe('(isA || (isB && isC))');
  });

  it('draws a targetless transition as a loop on its state, and merges parallel transitions into one arrow', () => {
    const model = chartModel(definitionOf('job'));
    const loop = model.edges.find((edge) => edge.id === 'job.completed->job.completed')!;
    expect(loop.transitions.map((transition) => transition.event)).toEqual(['job.deferClose']);
    const toClosed = model.edges.find((edge) => edge.id === 'job.completed->job.closed')!;
    expect(toClosed.transitions.map((transition) => transition.event)).toEqual(['job.close', 'job.closeDue']);
  });

  it('follows a changed machine without any change to the console', () => {
    const machine = createMachine({
      id: 'door',
      initial: 'closed',
      states: {
        closed: { on: { 'door.open': 'opened', 'door.lock': 'locked' } },
        opened: { on: { 'door.close': 'closed' } },
        locked: { type: 'final' },
      },
    });
    const model = chartModel(exportMachine(machine).definition as unknown as DefinitionNode);
    expect(allStates(model).map((state) => [state.key, state.final])).toEqual([['closed', false], ['opened', false], ['locked', true]]);
    expect(model.edges.map((edge) => edge.id)).toEqual(['door.closed->door.opened', 'door.closed->door.locked', 'door.opened->door.closed', 'door.__initial->door.closed']);
  });

  it('nests compound states as children and matches dotted state values to atomic states only', () => {
    const machine = createMachine({
      id: 'm',
      initial: 'a',
      states: { a: { initial: 'x', states: { x: { on: { go: 'y' } }, y: {} }, on: { leave: 'b' } }, b: {} },
    });
    const model = chartModel(exportMachine(machine).definition as unknown as DefinitionNode);
    expect(stateForValue(model, 'a.y')?.id).toBe('m.a.y');
    expect(stateForValue(model, 'a')).toBeUndefined();
    expect(model.edges.map((edge) => edge.id)).toContain('m.a.__initial->m.a.x');
    const graph = elkGraph(model, estimateText);
    const a = graph.children!.find((child) => child.id === 'm.a')!;
    expect(a.children!.map((child) => child.id)).toEqual(['m.a.__initial', 'm.a.x', 'm.a.y']);
    expect(graph.edges).toHaveLength(model.edges.length);
  });

  it('is laid out by ELK with every state placed apart and every arrow routed, for all four machines', async () => {
    const elk = new ELK();
    for (const machine of exportMachines()) {
      const model = chartModel(machine.definition as unknown as DefinitionNode);
      const laidOut = (await elk.layout(elkGraph(model, estimateText) as Parameters<typeof elk.layout>[0])) as ElkNode;
      const boxes = laidOut.children!.filter((child) => child.id !== model.initialNode);
      expect(boxes).toHaveLength(model.states.length);
      for (const [i, one] of boxes.entries())
        for (const other of boxes.slice(i + 1)) {
          const apart =
            one.x! + one.width! <= other.x! || other.x! + other.width! <= one.x! || one.y! + one.height! <= other.y! || other.y! + other.height! <= one.y!;
          expect(apart, `${machine.id}: ${one.id} overlaps ${other.id}`).toBe(true);
        }
      for (const edge of laidOut.edges!) expect(edge.sections?.length, `${machine.id}: ${edge.id} has no route`).toBeGreaterThan(0);
    }
  });
});
