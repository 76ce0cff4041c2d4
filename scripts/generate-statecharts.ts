/**
 * Renders the four machines as Mermaid state diagrams in `docs/statecharts/`, straight from their definitions, so the
 * pictures cannot drift from the code (`test/unit/statecharts-fresh.test.ts` fails when a checked-in copy is stale).
 *
 * Run with `npm run docs:statecharts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { jobMachine } from '../machines/job.machine.ts';
import { offerMachine } from '../machines/offer.machine.ts';
import { queueMachine } from '../machines/queue.machine.ts';
import { workerMachine } from '../machines/worker.machine.ts';

/** The event column of an eventless (`always`) transition. */
export const ALWAYS = 'always';

/** One transition of a machine, as the charts draw it and the model tests count it. */
export interface ChartTransition {
  /** Id of the state node that declares it (the machine id for a machine-wide `on`). */
  readonly source: string;
  /** Event type, or {@link ALWAYS}. */
  readonly event: string;
  /** Position among the candidates for the same source and event: guarded branches are tried in this order. */
  readonly branch: number;
  /** Ids of the target state nodes; empty for a targetless transition (it stays put and runs its actions). */
  readonly targets: readonly string[];
  readonly guard: string | undefined;
  readonly actions: readonly string[];
  /** Exits and re-enters its target even when that is the source. */
  readonly reenter: boolean;
}

interface Charted {
  readonly machine: AnyStateMachine;
  /** Base name of the machine module and of its chart. */
  readonly name: string;
  readonly summary: string;
}

const CHARTED: readonly Charted[] = [
  { machine: jobMachine, name: 'job', summary: "a job's status lifecycle (spec §3.1)" },
  { machine: offerMachine, name: 'offer', summary: 'one offer of one job to one worker, ending exactly once (spec §3.3)' },
  { machine: workerMachine, name: 'worker', summary: 'registration, draining and capacity reservation (spec §3.2–3.3)' },
  { machine: queueMachine, name: 'queue', summary: "the queue supervisor, which owns the queue's dispatch order" },
];

function nameOf(named: unknown): string {
  if (typeof named === 'string') return named;
  if (typeof named === 'object' && named !== null && 'type' in named && typeof named.type === 'string') return named.type;
  if (typeof named === 'function') {
    return 'type' in named && typeof named.type === 'string' ? named.type : named.name || 'inline';
  }
  return 'inline';
}

/** A guard by name; `and`, `or` and `not` are spelled out so the chart shows what each branch really requires. */
function guardText(guard: unknown): string {
  if (typeof guard === 'function' && 'guards' in guard && Array.isArray(guard.guards)) {
    const parts = guard.guards.map(guardText);
    if (guard.name === 'not') return `!${parts.join('')}`;
    return `(${parts.join(guard.name === 'or' ? ' || ' : ' && ')})`;
  }
  return nameOf(guard);
}

function withoutOuterParentheses(text: string): string {
  return text.startsWith('(') && text.endsWith(')') ? text.slice(1, -1) : text;
}

/** Describes one transition definition of a machine (as found on a state node, or reported by inspection). */
export function describeTransition(definition: AnyTransitionDefinition): ChartTransition {
  const source: AnyStateNode = definition.source;
  const always = definition.eventType === '';
  const candidates = always ? (source.always ?? []) : (source.transitions.get(definition.eventType) ?? []);
  return {
    source: source.id,
    event: always ? ALWAYS : definition.eventType,
    branch: candidates.indexOf(definition),
    targets: (definition.target ?? []).map((target) => target.id),
    guard: definition.guard === undefined ? undefined : withoutOuterParentheses(guardText(definition.guard)),
    actions: definition.actions.map(nameOf),
    reenter: definition.reenter,
  };
}

/** Every state node under the root, in document order, parents before children. */
export function stateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const walk = (node: AnyStateNode): AnyStateNode[] =>
    Object.values(node.states).flatMap((child) => [child, ...walk(child)]);
  return walk(machine.root);
}

/** Every transition the machine declares: machine-wide ones first, then state by state, each `on` then `always`. */
export function chartTransitions(machine: AnyStateMachine): ChartTransition[] {
  return [machine.root, ...stateNodes(machine)].flatMap((node) =>
    [...[...node.transitions.values()].flat(), ...(node.always ?? [])].map(describeTransition),
  );
}

/** `event [guard] / action, action`, the label of a transition in a chart. */
export function transitionLabel(transition: ChartTransition): string {
  const guard = transition.guard === undefined ? '' : ` [${transition.guard}]`;
  const actions = transition.actions.length === 0 ? '' : ` / ${transition.actions.join(', ')}`;
  return `${transition.event}${guard}${actions}${transition.reenter ? ' (reenter)' : ''}`;
}

function renderChart({ machine, name }: Charted): string {
  const root = machine.root;
  // Mermaid ids cannot hold dots; a node's path is unique within the machine.
  const byId = new Map([root, ...stateNodes(machine)].map((node) => [node.id, node]));
  const idOf = (nodeId: string): string => {
    const node = byId.get(nodeId);
    return node === undefined || node === root ? machine.id : node.path.join('__');
  };
  const transitions = chartTransitions(machine);
  const lines: string[] = [];
  // Mermaid keeps a transition inside the composite state it is written in, so each node's transitions are written
  // right after the node, inside its parent's block.
  const renderNode = (node: AnyStateNode, indent: string): void => {
    const id = idOf(node.id);
    const children = Object.values(node.states);
    if (children.length > 0) {
      lines.push(`${indent}state ${id} {`);
      const initial = node.initial?.target[0];
      if (initial !== undefined) lines.push(`${indent}  [*] --> ${idOf(initial.id)}`);
      for (const child of children) renderNode(child, `${indent}  `);
      lines.push(`${indent}}`);
    }
    const descriptions = [
      ...node.entry.map((entry) => `entry / ${nameOf(entry)}`),
      ...node.exit.map((exit) => `exit / ${nameOf(exit)}`),
    ];
    // Every state is declared, even one no transition mentions, so the chart shows all of them. Mermaid takes a
    // state's first description line as its title, so a leaf with entry or exit actions names itself first (else the
    // box shows only `entry / …`); a composite state takes no description at all, so its actions go in a note.
    if (children.length === 0) {
      if (descriptions.length === 0) lines.push(`${indent}${id}`);
      else for (const line of [node.key, ...descriptions]) lines.push(`${indent}${id} : ${line}`);
    } else if (descriptions.length > 0) {
      lines.push(`${indent}note left of ${id}`, ...descriptions.map((description) => `${indent}  ${description}`), `${indent}end note`);
    }
    // The machine itself has no box to loop on: its own transitions apply in every state, so they go in a note.
    for (const transition of node === root ? [] : transitions) {
      if (transition.source !== node.id) continue;
      const label = transitionLabel(transition);
      const targets = transition.targets.length === 0 ? [transition.source] : transition.targets;
      for (const target of targets) lines.push(`${indent}${id} --> ${idOf(target)} : ${label}`);
    }
    if (node.type === 'final') lines.push(`${indent}${id} --> [*]`);
  };
  renderNode(root, '  ');
  const everywhere = transitions
    .filter((transition) => transition.source === root.id)
    .map((transition) => `    ${[transitionLabel(transition), ...transition.targets.map(idOf)].join(' → ')}`);
  if (everywhere.length > 0) lines.push(`  note right of ${machine.id}`, '    in every state:', ...everywhere, '  end note');
  return [
    `# \`${name}\` state chart`,
    '',
    `Generated by \`npm run docs:statecharts\` from \`machines/${name}.machine.ts\`; do not edit.`,
    '',
    'Transitions read `event [guard] / actions`; the guarded branches of one event are tried top to bottom, and',
    '`always` is an eventless transition, taken as soon as its guard holds.',
    '',
    '```mermaid',
    'stateDiagram-v2',
    ...lines,
    '```',
    '',
  ].join('\n');
}

function renderIndex(): string {
  return [
    '# State charts',
    '',
    'Generated by `npm run docs:statecharts` from `machines/`; do not edit.',
    '',
    ...CHARTED.map(({ machine, name, summary }) => `- [\`${machine.id}\`](${name}.md): ${summary}.`),
    '',
  ].join('\n');
}

/** The chart files by file name (`job.md`, …, `README.md`), rendered in memory. */
export function renderStatecharts(): Map<string, string> {
  const charts = CHARTED.map((charted) => [`${charted.name}.md`, renderChart(charted)] as const);
  return new Map([...charts, ['README.md', renderIndex()]]);
}

function main(): void {
  const directory = new URL('../docs/statecharts/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  for (const [fileName, content] of renderStatecharts()) writeFileSync(new URL(fileName, directory), content);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
