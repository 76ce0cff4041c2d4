/**
 * From a machine definition (the JSON of `machine.toJSON()`, as `GET /machines` serves it) to the graph the console
 * lays out with ELK and draws. Pure data in, pure data out: no DOM, so it is unit-tested in Node and a change to a
 * machine reaches the chart without touching the UI.
 *
 * @module
 */

/** A transition as it appears in an XState definition's `transitions` lists. */
export interface DefinitionTransition {
  readonly eventType: string;
  readonly target?: readonly string[] | undefined;
  readonly source: string;
  readonly guard?: unknown;
  readonly actions?: readonly unknown[] | undefined;
  readonly reenter?: boolean | undefined;
}

/** A state node of an XState definition, as far as the chart reads it. */
export interface DefinitionNode {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly initial?: { readonly target?: readonly string[] } | undefined;
  readonly states?: Readonly<Record<string, DefinitionNode>> | undefined;
  readonly transitions?: readonly DefinitionTransition[] | undefined;
}

/** One transition, in words. */
export interface ChartTransition {
  readonly event: string;
  readonly guard: string | undefined;
  readonly actions: readonly string[];
}

/** A state of the chart. `path` is the state's value path (`["queued"]`), which is how a live state is matched. */
export interface ChartState {
  /** The definition's node id (`job.queued`). */
  readonly id: string;
  readonly key: string;
  readonly path: readonly string[];
  readonly final: boolean;
  readonly children: readonly ChartState[];
}

/**
 * One arrow: every transition from `source` to `target` shares it (so parallel transitions do not pile up), each
 * listed in `transitions`. A targetless transition stays in its state and is drawn as a loop.
 */
export interface ChartEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly transitions: readonly ChartTransition[];
}

/** What the console draws for one machine. */
export interface ChartModel {
  readonly machineId: string;
  /** The id of the initial pseudo-state's node, drawn as a dot with an arrow to the initial state. */
  readonly initialNode: string;
  readonly states: readonly ChartState[];
  readonly edges: readonly ChartEdge[];
  /** Transitions the machine takes in every state (declared on the machine itself); listed beside the chart. */
  readonly everywhere: readonly ChartTransition[];
}

function nameOf(named: unknown): string {
  if (typeof named === 'string') return named;
  if (typeof named === 'object' && named !== null && 'type' in named && typeof named.type === 'string') return named.type;
  return 'inline';
}

/** `isA`, `!isA`, `(isA && isB)`: the guard of a transition, with XState's higher-order guards spelled out. */
export function guardText(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'object' && 'guards' in guard && Array.isArray(guard.guards)) {
    const type = nameOf(guard);
    const parts = guard.guards.map((part: unknown) => guardText(part) ?? 'inline');
    if (type === 'xstate.not') return `!${parts.join('')}`;
    return `(${parts.join(type === 'xstate.or' ? ' || ' : ' && ')})`;
  }
  return nameOf(guard);
}

function describe(transition: DefinitionTransition): ChartTransition {
  const guard = guardText(transition.guard);
  return {
    event: transition.eventType === '' ? 'always' : transition.eventType,
    guard: guard?.startsWith('(') && guard.endsWith(')') ? guard.slice(1, -1) : guard,
    actions: (transition.actions ?? []).map(nameOf),
  };
}

/**
 * `event [guard]`, the short label of a transition. With `machineId`, the machine's own prefix is left out of the
 * event (`job.cancel` → `cancel` in the job chart), which every label of the chart would otherwise repeat.
 */
export function transitionText(transition: ChartTransition, machineId?: string): string {
  const prefix = machineId === undefined ? '' : `${machineId}.`;
  const event = prefix !== '' && transition.event.startsWith(prefix) ? transition.event.slice(prefix.length) : transition.event;
  return transition.guard === undefined ? event : `${event} [${transition.guard}]`;
}

/** The label with its actions too, for tooltips and the accessible description. */
export function transitionDetail(transition: ChartTransition): string {
  const actions = transition.actions.length === 0 ? '' : ` / ${transition.actions.join(', ')}`;
  return `${transitionText(transition)}${actions}`;
}

/** `#job.queued` → `job.queued`: definitions name targets by `#id`. */
function idOfTarget(target: string): string {
  return target.startsWith('#') ? target.slice(1) : target;
}

/**
 * The chart of a machine definition: its states (nested ones as children), one edge per source and target pair, the
 * initial pseudo-state, and the machine-wide transitions apart.
 */
export function chartModel(definition: DefinitionNode): ChartModel {
  const edges = new Map<string, { source: string; target: string; transitions: ChartTransition[] }>();
  const initialNode = `${definition.id}.__initial`;
  const addEdge = (source: string, target: string, transition: ChartTransition | undefined) => {
    const id = `${source}->${target}`;
    let edge = edges.get(id);
    if (edge === undefined) edges.set(id, (edge = { source, target, transitions: [] }));
    if (transition !== undefined) edge.transitions.push(transition);
  };

  const walk = (node: DefinitionNode, path: readonly string[]): ChartState => {
    const children = Object.values(node.states ?? {}).map((child) => walk(child, [...path, child.key]));
    for (const transition of node.transitions ?? []) {
      const targets = transition.target ?? [];
      const described = describe(transition);
      if (targets.length === 0) addEdge(node.id, node.id, described);
      for (const target of targets) addEdge(node.id, idOfTarget(target), described);
    }
    const initial = node.initial?.target?.[0];
    if (children.length > 0 && initial !== undefined && path.length > 0) addEdge(`${node.id}.__initial`, idOfTarget(initial), undefined);
    return { id: node.id, key: node.key, path, final: node.type === 'final', children };
  };

  const states = Object.values(definition.states ?? {}).map((child) => walk(child, [child.key]));
  const initial = definition.initial?.target?.[0];
  if (initial !== undefined) addEdge(initialNode, idOfTarget(initial), undefined);
  return {
    machineId: definition.id,
    initialNode,
    states,
    edges: [...edges].map(([id, edge]) => ({ id, ...edge })),
    everywhere: (definition.transitions ?? []).map(describe),
  };
}

/** Every state of a chart, parents before children. */
export function allStates(model: Pick<ChartModel, 'states'>): ChartState[] {
  const walk = (states: readonly ChartState[]): ChartState[] => states.flatMap((state) => [state, ...walk(state.children)]);
  return walk(model.states);
}

/**
 * The chart state a live state value names: `"queued"`, or a dotted path (`"active.idle"`) for a nested state. Only
 * atomic states are matched, since an actor is always in one.
 */
export function stateForValue(model: Pick<ChartModel, 'states'>, value: string): ChartState | undefined {
  return allStates(model).find((state) => state.children.length === 0 && state.path.join('.') === value);
}

/** Size of a piece of text when drawn: measured by canvas in the browser, estimated in tests. */
export type MeasureText = (text: string, font: 'state' | 'label') => { width: number; height: number };

/** The ELK graph types the console needs (a subset of `elkjs`'s, kept here so this module has no dependency). */
export interface ElkLabel {
  id?: string;
  text: string;
  width: number;
  height: number;
  x?: number;
  y?: number;
}
export interface ElkPoint {
  x: number;
  y: number;
}
export interface ElkSection {
  startPoint: ElkPoint;
  endPoint: ElkPoint;
  bendPoints?: ElkPoint[];
}
export interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  labels?: ElkLabel[];
  sections?: ElkSection[];
  container?: string;
}
export interface ElkNode {
  id: string;
  width?: number;
  height?: number;
  x?: number;
  y?: number;
  labels?: ElkLabel[];
  children?: ElkNode[];
  edges?: ElkEdge[];
  layoutOptions?: Record<string, string>;
}

const STATE_PADDING = { x: 28, y: 18 };
const INITIAL_SIZE = 14;
const LABEL_LINE_GAP = 2;

/** Layout options: layered (Sugiyama) top to bottom, orthogonal edges, labels placed by ELK beside their edges. */
export const LAYOUT_OPTIONS: Readonly<Record<string, string>> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.spacing.nodeNodeBetweenLayers': '30',
  'elk.spacing.nodeNode': '24',
  'elk.spacing.edgeLabel': '3',
  'elk.spacing.edgeEdge': '8',
  'elk.layered.spacing.edgeNodeBetweenLayers': '10',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '6',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
  'elk.padding': '[top=20,left=20,bottom=20,right=20]',
};

/**
 * The ELK graph of a chart: one node per state sized to its name, one edge per arrow whose label holds one line per
 * transition (`event [guard]`). Nested states become ELK children, and every edge sits at the root, which
 * `INCLUDE_CHILDREN` lays out across levels.
 */
export function elkGraph(model: ChartModel, measure: MeasureText): ElkNode {
  const node = (state: ChartState): ElkNode => {
    const size = measure(state.key, 'state');
    const base: ElkNode = {
      id: state.id,
      labels: [{ text: state.key, width: size.width, height: size.height }],
    };
    if (state.children.length === 0) return { ...base, width: size.width + 2 * STATE_PADDING.x, height: size.height + 2 * STATE_PADDING.y };
    return {
      ...base,
      children: [
        ...(model.edges.some((edge) => edge.source === `${state.id}.__initial`)
          ? [{ id: `${state.id}.__initial`, width: INITIAL_SIZE, height: INITIAL_SIZE }]
          : []),
        ...state.children.map(node),
      ],
      layoutOptions: { 'elk.padding': `[top=${size.height + 24},left=16,bottom=16,right=16]`, 'elk.nodeLabels.placement': 'INSIDE V_TOP H_CENTER' },
    };
  };
  const edges: ElkEdge[] = model.edges.map((edge) => ({
    id: edge.id,
    sources: [edge.source],
    targets: [edge.target],
    labels: edge.transitions.length === 0 ? [] : [edgeLabel(edge, model.machineId, measure)],
  }));
  return {
    id: model.machineId,
    layoutOptions: { ...LAYOUT_OPTIONS },
    children: [{ id: model.initialNode, width: INITIAL_SIZE, height: INITIAL_SIZE }, ...model.states.map(node)],
    edges,
  };
}

/** One label per arrow, one line per transition; its size is that of the widest line by the number of lines. */
function edgeLabel(edge: ChartEdge, machineId: string, measure: MeasureText): ElkLabel {
  const lines = edge.transitions.map((transition) => transitionText(transition, machineId));
  const sizes = lines.map((line) => measure(line, 'label'));
  const lineHeight = Math.max(...sizes.map((size) => size.height));
  return {
    id: `${edge.id}#label`,
    text: lines.join('\n'),
    width: Math.max(...sizes.map((size) => size.width)),
    height: lines.length * lineHeight + (lines.length - 1) * LABEL_LINE_GAP,
  };
}

/** A rough text size for Node, where no canvas measures: fixed advance per character. */
export const estimateText: MeasureText = (text, font) =>
  font === 'state' ? { width: text.length * 8.4, height: 16 } : { width: text.length * 6.6, height: 13 };
