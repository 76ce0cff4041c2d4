/**
 * Test paths of a machine, in client steps: `@xstate/graph` walks the real machine, one edge per client step of
 * {@link PATH_MACHINES} (each applying the machine events it causes, in order, with the machine's own `transition`),
 * and yields the shortest path to every (state, step) pair. Paths that are the start of a longer one are left out,
 * so every transition a client can cause or wait for is the last step of some path, or lies on one.
 *
 * @module
 */
import { getShortestPaths } from '@xstate/graph';
import {
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventFromLogic,
  fromTransition,
  initialTransition,
  type SnapshotFrom,
  transition,
} from 'xstate';
import { PATH_MACHINES, type PathMachine, type PathMachineName } from './client-operations.ts';
import { PLACEHOLDERS, type PathOperation } from './client-steps.ts';
import type { MachinePath, MachinePaths, PathStep } from './paths.schemas.ts';

/** Where a walk is: the machine's snapshot, and the step and state it came by (see `serializeState`). */
interface Position<TMachine extends AnyStateMachine> {
  readonly snapshot: SnapshotFrom<TMachine>;
  readonly via: string;
  readonly from: string;
}

const stateOf = (snapshot: unknown): string => {
  const value = (snapshot as AnyMachineSnapshot).value;
  return typeof value === 'string' ? value : JSON.stringify(value);
};

/**
 * The snapshot after `operation` and the events it sent, or `undefined` when it does not apply here: it gives no
 * events, or the machine refuses one of them.
 */
function apply<TMachine extends AnyStateMachine>(
  machine: TMachine,
  snapshot: SnapshotFrom<TMachine>,
  operation: PathOperation<SnapshotFrom<TMachine>, EventFromLogic<TMachine>>,
): { snapshot: SnapshotFrom<TMachine>; events: string[] } | undefined {
  const events = operation.events(snapshot);
  if (events === undefined) return undefined;
  let current = snapshot;
  for (const event of events) {
    // The table says which events a step causes; one it does not list would make that mapping a lie.
    if (!operation.causes.includes(event.type)) throw new Error(`${machine.id} step ${operation.label} sends ${event.type}, which it does not list`);
    if (!(current as AnyMachineSnapshot).can(event)) return undefined;
    [current] = transition(machine, current, event) as [SnapshotFrom<TMachine>, unknown];
  }
  return { snapshot: current, events: events.map((event) => event.type) };
}

function generate<TMachine extends AnyStateMachine>(name: PathMachineName, definition: PathMachine<TMachine>): MachinePaths {
  const { machine, operations } = definition;
  const byLabel = new Map(operations.map((operation) => [operation.label, operation]));
  const [initial] = initialTransition(machine, definition.input) as [SnapshotFrom<TMachine>, unknown];
  const start: Position<TMachine> = { snapshot: initial, via: 'start', from: '' };
  const logic = fromTransition((position: Position<TMachine>, event: { type: string }) => {
    const next = apply(machine, position.snapshot, byLabel.get(event.type)!);
    return next === undefined ? position : { snapshot: next.snapshot, via: event.type, from: stateOf(position.snapshot) };
  }, start);
  // Keyed on the step that arrived as well as the state: keyed on the state alone, the walk would explore only the
  // first way into each state and miss steps that need a particular arrival (a close deferred on the way into
  // `completed`). The machine's context is left out of the key, or the walk would never end.
  const found = getShortestPaths(logic, {
    events: ({ context }) => operations.filter((operation) => apply(machine, context.snapshot, operation) !== undefined).map(({ label }) => ({ type: label })),
    serializeState: ({ context }) => `${stateOf(context.snapshot)} via ${context.via} from ${context.from}`,
    serializeEvent: (event) => event.type,
  });

  const walks = found.map((path) => path.steps.slice(1).map((step) => step.event.type)).filter((labels) => labels.length > 0);
  const key = (labels: readonly string[]) => labels.map((label) => `${label}\n`).join('');
  const keys = walks.map(key);
  const kept = walks.filter((labels, i) => !keys.some((other, j) => j !== i && other.length > keys[i]!.length && other.startsWith(keys[i]!)));
  const paths = kept.map((labels) => replay(definition, initial, labels));
  paths.sort((a, b) => a.steps.length - b.steps.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    machine: name,
    strategy: 'shortest-path-to-every-transition',
    initial: stateOf(initial),
    start: definition.start,
    setup: [...definition.setup],
    placeholders: { ...PLACEHOLDERS },
    paths,
  };
}

/** A walk's labels as client steps, each with the events it causes and the state it leaves the machine in. */
function replay<TMachine extends AnyStateMachine>(definition: PathMachine<TMachine>, initial: SnapshotFrom<TMachine>, labels: readonly string[]): MachinePath {
  let snapshot = initial;
  const steps = labels.map((label): PathStep => {
    const operation = definition.operations.find((candidate) => candidate.label === label)!;
    const next = apply(definition.machine, snapshot, operation);
    if (next === undefined) throw new Error(`${labels.join(" → ")}: ${label} does not apply in ${stateOf(snapshot)}`);
    snapshot = next.snapshot;
    return { ...operation.step, label, events: next.events, state: stateOf(snapshot) };
  });
  const target = stateOf(snapshot);
  return { name: `${stateOf(initial)} → ${target}: ${labels.join(' → ')}`, target, steps };
}

/** The names `switchboard paths --machine` takes. */
export const PATH_MACHINE_NAMES = Object.keys(PATH_MACHINES) as PathMachineName[];

export function isPathMachineName(name: string): name is PathMachineName {
  return (PATH_MACHINE_NAMES as string[]).includes(name);
}

/** The test paths of one machine, as `switchboard paths --machine <name> --json` prints them. */
export function machinePaths(name: PathMachineName): MachinePaths {
  switch (name) {
    case 'job':
      return generate(name, PATH_MACHINES.job);
    case 'offer':
      return generate(name, PATH_MACHINES.offer);
    case 'worker':
      return generate(name, PATH_MACHINES.worker);
  }
}

/** The same paths for a reader: the setup once, then each path as numbered steps with the state each leaves. */
export function formatPaths(paths: MachinePaths): string {
  const step = (s: { by: string; operation?: string | undefined; args?: Readonly<Record<string, unknown>> | undefined; description: string }) =>
    s.by === 'time' ? `(time) ${s.description}` : `${s.operation} ${JSON.stringify(s.args ?? {})}: ${s.description}`;
  const lines = [
    `${paths.machine} machine: ${paths.paths.length} paths, the shortest to each of its transitions, all starting in ${paths.initial} (${paths.start}).`,
    '',
    'Setup, before every path:',
    ...paths.setup.map((s) => `  - ${step(s)}`),
  ];
  for (const [i, path] of paths.paths.entries()) {
    lines.push('', `Path ${i + 1}: ${paths.initial} → ${path.target}`);
    for (const [n, s] of path.steps.entries()) lines.push(`  ${n + 1}. ${step(s)}  ⇒ ${s.state}`);
  }
  lines.push('', 'Placeholders:', ...Object.entries(paths.placeholders).map(([name, meaning]) => `  ${name}: ${meaning}`));
  return `${lines.join('\n')}\n`;
}
