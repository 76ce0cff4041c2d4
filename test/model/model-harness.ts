/**
 * Model-based tests of a machine from its own graph: `@xstate/graph` walks the machine with labelled sample events
 * and yields the shortest path to every vertex; each path is replayed against a real actor, which must pass through
 * the same states, while the transitions it takes (as inspection reports them) are counted against the ones the
 * machine declares. `describeMachineModel` turns a model into those tests; each machine's file adds its invariants.
 */
import { createTestModel } from '@xstate/graph';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  createActor,
  type EmittedFrom,
  type EventFromLogic,
  type InspectionEvent,
  type InputFrom,
  type SnapshotFrom,
  type StateValue,
} from 'xstate';
import {
  ALWAYS,
  type ChartTransition,
  chartTransitions,
  describeTransition,
  stateNodes,
  transitionLabel,
} from '../../scripts/generate-statecharts.ts';

/** A sample event and the short name it goes by in test names, failure messages and graph keys. */
export type Sample<TMachine extends AnyStateMachine> = readonly [label: string, event: EventFromLogic<TMachine>];

export interface MachineModel<TMachine extends AnyStateMachine> {
  readonly machine: TMachine;
  readonly input: InputFrom<TMachine>;
  /**
   * Sample events of every type the machine knows, whatever the state: the graph sends those the state handles,
   * random walks send any. Data the guards look at comes from the snapshot (the assignment in force, a held offer),
   * and a sample meant to be refused says so in its label (`complete(stale)`).
   */
  readonly samples: (snapshot: SnapshotFrom<TMachine>) => ReadonlyArray<Sample<TMachine>>;
  /** What the graph walks, when the machine itself cannot be walked as is (see the queue). */
  readonly graphLogic?: TMachine | undefined;
}

/** A path of the graph: the events from the initial state, and the state value expected after each. */
export interface ModelPath<TMachine extends AnyStateMachine> {
  readonly name: string;
  readonly steps: ReadonlyArray<{
    readonly label: string;
    readonly event: EventFromLogic<TMachine>;
    readonly value: StateValue;
  }>;
  readonly target: StateValue;
}

/** One event sent to the real actor, with the snapshots around it and what its transition emitted, in order. */
export interface ModelStep<TMachine extends AnyStateMachine> {
  readonly label: string;
  readonly event: EventFromLogic<TMachine>;
  readonly before: SnapshotFrom<TMachine>;
  readonly after: SnapshotFrom<TMachine>;
  readonly emitted: ReadonlyArray<EmittedFrom<TMachine>>;
}

const valueKey = (value: StateValue): string => JSON.stringify(value);

/** The snapshot of a machine left generic is opaque to the compiler, but it is a machine snapshot all the same. */
const machineSnapshot = (snapshot: unknown): AnyMachineSnapshot => snapshot as AnyMachineSnapshot;

/** `init → enqueue → assign`, the trail shown in test names and failure messages. */
function trail(labels: readonly string[]): string {
  return ['init', ...labels].join(' → ');
}

/**
 * The shortest path to every vertex of the machine's graph, paths that are a prefix of another left out.
 *
 * A vertex is a state value together with the step that reached it (sample label, whether a guard refused it, and
 * the previous state value), never context: keyed on context the traversal never ends, and keyed on the value alone
 * it would explore only the first snapshot of each state, missing transitions whose guards need a particular arrival
 * (a close deferred on the way into `completed`, an offer held when `assign` comes). With the step in the key every
 * (state, sample) edge is the last step of some path.
 */
function generatePaths<TMachine extends AnyStateMachine>(
  model: MachineModel<TMachine>,
): Array<ModelPath<TMachine>> {
  // Without a sample the graph would send a bare `{ type }`, missing the data every event carries.
  const sampled = new Set(model.samples(new ModelRun(model).snapshot).map(([, event]) => event.type));
  const unsampled = chartTransitions(model.machine).filter(({ event }) => event !== ALWAYS && !sampled.has(event));
  if (unsampled.length > 0) throw new Error(`no sample event for ${unsampled.map(({ event }) => event).join(', ')}`);
  const labels = new WeakMap<object, string>();
  const labelOf = (event: EventFromLogic<TMachine>): string => labels.get(event) ?? event.type;
  const testModel = createTestModel(model.graphLogic ?? model.machine, {
    input: model.input,
    events: (snapshot) =>
      model.samples(snapshot).map(([label, event]) => {
        // Decided on the snapshot the graph explores, so a vertex's key never depends on which path reached it.
        labels.set(event, machineSnapshot(snapshot).can(event) ? label : `${label} (refused)`);
        return event;
      }),
    serializeEvent: labelOf,
    serializeState: (snapshot, event, previous) => {
      const reached = valueKey(machineSnapshot(snapshot).value);
      if (event === undefined || previous === undefined) return reached;
      return `${reached} via ${labelOf(event)} from ${valueKey(machineSnapshot(previous).value)}`;
    },
  });
  return testModel.getShortestPaths().map((path) => {
    // The first step of a generated path is the initial state, reached by `xstate.init`.
    const steps = path.steps.slice(1).map((step) => ({
      label: labelOf(step.event),
      event: step.event,
      value: machineSnapshot(step.state).value,
    }));
    const target = machineSnapshot(path.state).value;
    return { name: `reaches ${valueKey(target)}: ${trail(steps.map((step) => step.label))}`, steps, target };
  });
}

/** The ids of the state nodes a state value stands for, ancestors included. */
function activeStateIds(node: AnyStateNode, value: StateValue | undefined): string[] {
  if (value === undefined) return [];
  const entries = typeof value === 'string' ? [[value, undefined] as const] : Object.entries(value);
  return entries.flatMap(([key, below]) => {
    const child = node.states[key];
    return child === undefined ? [] : [child.id, ...activeStateIds(child, below)];
  });
}

/** A coverage key for a transition: its source, label and targets, plus its branch to keep guarded twins apart. */
function transitionKey(transition: ChartTransition): string {
  const targets = transition.targets.length === 0 ? '(stays)' : transition.targets.join(', ');
  return `${transition.source}: ${transitionLabel(transition)} → ${targets} #${transition.branch}`;
}

/**
 * A real actor of the model's machine, started on the model's input, recording every step, the state nodes it has
 * been in and the transitions it has taken.
 */
export class ModelRun<TMachine extends AnyStateMachine> {
  readonly steps: Array<ModelStep<TMachine>> = [];
  readonly visitedStates = new Set<string>();
  readonly takenTransitions = new Set<string>();
  /** What the actor emitted as it started (its initial state's entry actions). */
  readonly initiallyEmitted: Array<EmittedFrom<TMachine>> = [];
  readonly #model: MachineModel<TMachine>;
  readonly #actor: Actor<TMachine>;
  #emitted: Array<EmittedFrom<TMachine>> = this.initiallyEmitted;

  constructor(model: MachineModel<TMachine>) {
    this.#model = model;
    const inspect = (inspection: InspectionEvent): void => {
      if (inspection.type !== '@xstate.microstep') return;
      for (const definition of inspection._transitions) {
        this.takenTransitions.add(transitionKey(describeTransition(definition)));
      }
    };
    this.#actor = createActor(model.machine, { input: model.input, inspect });
    this.#actor.on('*', (emitted) => this.#emitted.push(emitted));
    this.#actor.start();
    this.#visit(this.snapshot);
  }

  get snapshot(): SnapshotFrom<TMachine> {
    return this.#actor.getSnapshot();
  }

  /** The labels sent so far, as a trail for failure messages. */
  get trail(): string {
    return trail(this.steps.map((step) => step.label));
  }

  send(label: string, event: EventFromLogic<TMachine>): ModelStep<TMachine> {
    const before = this.snapshot;
    const emitted: Array<EmittedFrom<TMachine>> = (this.#emitted = []);
    this.#actor.send(event);
    const step = { label, event, before, after: this.snapshot, emitted };
    this.steps.push(step);
    this.#visit(step.after);
    return step;
  }

  /** Sends the sample of that label the current snapshot offers. */
  act(label: string): ModelStep<TMachine> {
    const sample = this.#model.samples(this.snapshot).find(([name]) => name === label);
    if (sample === undefined) throw new Error(`no sample labelled ${label}`);
    return this.send(label, sample[1]);
  }

  #visit(snapshot: SnapshotFrom<TMachine>): void {
    const ids = activeStateIds(this.#model.machine.root, machineSnapshot(snapshot).value);
    for (const id of ids) this.visitedStates.add(id);
  }
}

/** Runs `check` on a step, adding the trail that led to it to any failure. */
function checked<TMachine extends AnyStateMachine>(
  run: ModelRun<TMachine>,
  step: ModelStep<TMachine>,
  check: (step: ModelStep<TMachine>) => void,
): void {
  try {
    check(step);
  } catch (error) {
    if (error instanceof Error) error.message += `\n  path: ${run.trail}`;
    throw error;
  }
}

/**
 * Replays a generated path on a real actor: after each event the actor must be in the state the graph predicted,
 * and `check` (the machine's invariants) must hold for the step.
 */
function replay<TMachine extends AnyStateMachine>(
  model: MachineModel<TMachine>,
  path: ModelPath<TMachine>,
  check: (step: ModelStep<TMachine>) => void = () => {},
): ModelRun<TMachine> {
  const run = new ModelRun(model);
  for (const { label, event, value } of path.steps) {
    const step = run.send(label, event);
    checked(run, step, (sent) => {
      const reached = machineSnapshot(sent.after).value;
      if (valueKey(reached) !== valueKey(value)) {
        throw new Error(`after ${label} the actor is in ${valueKey(reached)}, the graph says ${valueKey(value)}`);
      }
      check(sent);
    });
  }
  return run;
}

/**
 * A random walk on a real actor: at each step, one of the samples the current snapshot offers, picked by `choices`
 * (fast-check's numbers), until the choices run out or the actor stops.
 */
function walk<TMachine extends AnyStateMachine>(
  model: MachineModel<TMachine>,
  choices: readonly number[],
  check: (step: ModelStep<TMachine>) => void,
): ModelRun<TMachine> {
  const run = new ModelRun(model);
  for (const choice of choices) {
    if (machineSnapshot(run.snapshot).status !== 'active') break;
    const samples = model.samples(run.snapshot);
    const [label, event] = samples[choice % samples.length]!;
    checked(run, run.send(label, event), check);
  }
  return run;
}

/** What the machine declares against what a set of runs reached, as sorted lists that diff well. */
interface Coverage {
  readonly declaredStates: string[];
  readonly visitedStates: string[];
  readonly declaredTransitions: string[];
  readonly takenTransitions: string[];
}

/** Compares the machine's definition (its state nodes and `on`/`always` transitions) with what `runs` reached. */
function coverage<TMachine extends AnyStateMachine>(
  model: MachineModel<TMachine>,
  runs: ReadonlyArray<ModelRun<TMachine>>,
): Coverage {
  const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();
  return {
    declaredStates: sorted(stateNodes(model.machine).map((node) => node.id)),
    visitedStates: sorted(runs.flatMap((run) => [...run.visitedStates])),
    declaredTransitions: sorted(chartTransitions(model.machine).map(transitionKey)),
    takenTransitions: sorted(runs.flatMap((run) => [...run.takenTransitions])),
  };
}

/** What a machine's model tests check beyond what every machine gets. */
export interface MachineModelChecks<TMachine extends AnyStateMachine> {
  /** The machine's invariants, checked after every step of every generated path (and of every random walk). */
  readonly invariants: (step: ModelStep<TMachine>) => void;
  /** More checks on a generated path, once its replay has reached the target. */
  readonly afterPath?: (run: ModelRun<TMachine>, path: ModelPath<TMachine>) => void;
  /** Whether the invariants must also hold on random walks (300 of them, up to 60 steps each). */
  readonly randomWalks?: boolean;
  /** Tests of context the graph does not key on, declared before the random walks in the same `describe`. */
  readonly contextTests?: () => void;
}

/**
 * Declares a machine's model tests, named after the machine's id: every generated path replayed under the
 * invariants, coverage of every declared state and transition by those paths, then the context tests and random
 * walks if there are any.
 */
export function describeMachineModel<TMachine extends AnyStateMachine>(
  model: MachineModel<TMachine>,
  checks: MachineModelChecks<TMachine>,
): void {
  const name = model.machine.id;
  const paths = generatePaths(model);

  describe(`${name} machine, generated paths`, () => {
    for (const path of paths) {
      it(path.name, () => {
        const run = replay(model, path, checks.invariants);
        checks.afterPath?.(run, path);
      });
    }
  });

  describe(`${name} machine, coverage`, () => {
    const result = coverage(
      model,
      paths.map((path) => replay(model, path)),
    );

    it('reaches every state the machine declares', () => {
      expect(result.visitedStates).toEqual(result.declaredStates);
    });

    it('takes every transition the machine declares, each guarded branch included', () => {
      expect(result.takenTransitions).toEqual(result.declaredTransitions);
    });
  });

  if (checks.contextTests === undefined && checks.randomWalks !== true) return;
  describe(`${name} machine, context the graph does not key on`, () => {
    checks.contextTests?.();
    if (checks.randomWalks !== true) return;
    it('keeps every invariant on random walks', () => {
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 60 }), (choices) => {
          walk(model, choices, checks.invariants);
        }),
        { numRuns: 300 },
      );
    });
  });
}
