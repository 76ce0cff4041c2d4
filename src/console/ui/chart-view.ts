/**
 * Draws a machine's state chart as SVG: ELK lays out the graph {@link elkGraph} builds from the definition (in a
 * Web Worker, so a large chart never blocks the page), and the current state is highlighted as it changes.
 */
import ELK from 'elkjs/lib/elk-api.js';
import {
  allStates,
  chartModel,
  elkGraph,
  stateForValue,
  transitionDetail,
  transitionText,
  type ChartModel,
  type DefinitionNode,
  type ElkEdge,
  type ElkNode,
  type MeasureText,
} from './chart-model.ts';
import { h, s } from './dom.ts';

const FONTS = { state: '600 14px system-ui, sans-serif', label: '12px system-ui, sans-serif' } as const;

let elk: InstanceType<typeof ELK> | undefined;
const layouts = new Map<string, Promise<ElkNode>>();

const measure: MeasureText = (() => {
  let context: CanvasRenderingContext2D | null | undefined;
  return (text, font) => {
    context ??= document.createElement('canvas').getContext('2d');
    if (!context) return font === 'state' ? { width: text.length * 8.4, height: 16 } : { width: text.length * 6.6, height: 13 };
    context.font = FONTS[font];
    return { width: Math.ceil(context.measureText(text).width) + 2, height: font === 'state' ? 17 : 14 };
  };
})();

/** A short digest of a text (FNV-1a), enough to tell one graph from another in the layout cache. */
function digest(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `${text.length.toString(36)}.${hash.toString(36)}`;
}

const LAYOUT_CACHE_PREFIX = 'switchboard.console.layout.';

/**
 * The laid-out graph of a machine. ELK's first layout of the job machine takes a second or two (most of it
 * compiling ELK itself), so a layout is computed once per page load and also kept in `sessionStorage`, keyed by the
 * graph it was made from (the machine and the measured text sizes): a reload or another page of the tab reuses it,
 * and a changed machine misses the cache.
 */
function layout(model: ChartModel): Promise<ElkNode> {
  let laidOut = layouts.get(model.machineId);
  if (laidOut !== undefined) return laidOut;
  const graph = elkGraph(model, measure);
  const key = `${LAYOUT_CACHE_PREFIX}${model.machineId}`;
  const version = digest(JSON.stringify(graph));
  const cached = sessionStorage.getItem(key);
  const hit = cached === null ? undefined : (JSON.parse(cached) as { version: string; laidOut: ElkNode });
  if (hit?.version === version) laidOut = Promise.resolve(hit.laidOut);
  else {
    elk ??= new ELK({ workerUrl: new URL('elk-worker.js', location.href.split('#')[0]).href });
    laidOut = (elk.layout(graph as Parameters<typeof elk.layout>[0]) as Promise<ElkNode>).then((result) => {
      try {
        sessionStorage.setItem(key, JSON.stringify({ version, laidOut: result }));
      } catch {
        // A full storage only costs the next page a layout.
      }
      return result;
    });
  }
  layouts.set(model.machineId, laidOut);
  return laidOut;
}

/**
 * Starts laying out every machine in the background, the job machine first, so a job, worker or offer page opened
 * later finds its chart ready.
 */
export function prepareCharts(definitions: Iterable<DefinitionNode>): void {
  for (const definition of definitions) void layout(chartModel(definition)).catch(() => undefined);
}

/** A drawn chart, whose highlighted state follows the actor. */
export interface ChartHandle {
  readonly element: HTMLElement;
  /** Highlights `state` (and the arrow just taken from `from`, when given). */
  highlight(state: string | undefined, from?: string | null): void;
  /** How long the layout took, ms. */
  readonly layoutMs: number;
}

/** Lays out and draws the chart of `definition`. */
export async function drawChart(definition: DefinitionNode, title: string): Promise<ChartHandle> {
  const model = chartModel(definition);
  const started = performance.now();
  const graph = await layout(model);
  const layoutMs = performance.now() - started;

  const positions = new Map<string, { x: number; y: number }>();
  const place = (node: ElkNode, offset: { x: number; y: number }) => {
    const at = { x: offset.x + (node.x ?? 0), y: offset.y + (node.y ?? 0) };
    positions.set(node.id, at);
    for (const child of node.children ?? []) place(child, at);
  };
  place(graph, { x: -(graph.x ?? 0), y: -(graph.y ?? 0) });

  const stateIds = new Map(allStates(model).map((state) => [state.id, state]));
  const nodeElements = new Map<string, SVGElement>();
  const edgeElements = new Map<string, SVGElement>();
  const nodes: SVGElement[] = [];
  const drawNode = (node: ElkNode) => {
    const at = positions.get(node.id)!;
    const state = stateIds.get(node.id);
    if (state === undefined) {
      nodes.push(s('circle', { cx: at.x + (node.width ?? 0) / 2, cy: at.y + (node.height ?? 0) / 2, r: (node.width ?? 0) / 2, class: 'initial' }));
    } else {
      const group = s(
        'g',
        { class: `state${state.final ? ' final' : ''}${state.children.length > 0 ? ' compound' : ''}`, 'data-state': state.path.join('.') },
        s('title', {}, state.path.join('.')),
        s('rect', { x: at.x, y: at.y, width: node.width ?? 0, height: node.height ?? 0, rx: 10 }),
        state.final ? s('rect', { x: at.x + 4, y: at.y + 4, width: (node.width ?? 8) - 8, height: (node.height ?? 8) - 8, rx: 7, class: 'inner' }) : null,
        s(
          'text',
          { x: at.x + (node.width ?? 0) / 2, y: state.children.length > 0 ? at.y + 20 : at.y + (node.height ?? 0) / 2, 'dominant-baseline': 'central', 'text-anchor': 'middle' },
          state.key,
        ),
      );
      nodeElements.set(state.path.join('.'), group);
      nodes.push(group);
    }
    for (const child of node.children ?? []) drawNode(child);
  };
  for (const child of graph.children ?? []) drawNode(child);

  const byId = new Map(model.edges.map((edge) => [edge.id, edge]));
  const edges = (graph.edges ?? []).map((laid: ElkEdge) => {
    const edge = byId.get(laid.id)!;
    const offset = positions.get(laid.container ?? graph.id) ?? { x: 0, y: 0 };
    const d = (laid.sections ?? [])
      .map((section) =>
        [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]
          .map((point, i) => `${i === 0 ? 'M' : 'L'}${(point.x + offset.x).toFixed(1)},${(point.y + offset.y).toFixed(1)}`)
          .join(' '),
      )
      .join(' ');
    const label = laid.labels?.[0];
    const lines = edge.transitions.map((transition) => transitionText(transition, model.machineId));
    const group = s(
      'g',
      { class: 'edge', 'data-edge': laid.id },
      s('title', {}, edge.transitions.map(transitionDetail).join('\n')),
      s('path', { d, 'marker-end': 'url(#arrow)' }),
      label === undefined
        ? null
        : s(
            'text',
            { x: (label.x ?? 0) + offset.x, y: (label.y ?? 0) + offset.y },
            ...lines.map((line, i) => s('tspan', { x: (label.x ?? 0) + offset.x, dy: i === 0 ? '1em' : '1.15em' }, line)),
          ),
    );
    edgeElements.set(laid.id, group);
    return group;
  });

  const width = Math.ceil(graph.width ?? 0);
  const height = Math.ceil(graph.height ?? 0);
  const titleId = `chart-title-${model.machineId}`;
  const descId = `chart-desc-${model.machineId}`;
  const svg = s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': `${titleId} ${descId}`, class: 'chart' },
    s('title', { id: titleId }, title),
    s('desc', { id: descId }, `States: ${allStates(model).map((state) => state.path.join('.')).join(', ')}.`),
    s(
      'defs',
      {},
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z' })),
    ),
    ...edges,
    ...nodes,
  );
  const current = h('p', { class: 'current-state', 'aria-live': 'polite' }, 'Current state: unknown');
  const everywhere =
    model.everywhere.length === 0
      ? null
      : h('p', { class: 'everywhere' }, `In every state: ${model.everywhere.map(transitionDetail).join('; ')}.`);
  const zoom = h('button', { type: 'button', class: 'zoom', 'aria-pressed': 'false' }, 'Actual size');
  const scroller = h('div', { class: 'chart-scroll fit', tabindex: 0, 'aria-label': `${title}, scrollable` }, svg);
  zoom.addEventListener('click', () => {
    const actual = scroller.classList.toggle('fit') === false;
    zoom.setAttribute('aria-pressed', String(actual));
  });
  const element = h('figure', { class: 'chart-figure' }, zoom, scroller, h('figcaption', {}, current, everywhere));

  return {
    element,
    layoutMs,
    highlight(state, from) {
      for (const node of nodeElements.values()) {
        node.classList.remove('current');
        node.removeAttribute('aria-current');
      }
      for (const edge of edgeElements.values()) edge.classList.remove('taken');
      const found = state === undefined ? undefined : stateForValue(model, state);
      const node = found === undefined ? undefined : nodeElements.get(found.path.join('.'));
      node?.classList.add('current');
      node?.setAttribute('aria-current', 'true');
      const source = from === null || from === undefined ? undefined : stateForValue(model, from);
      if (source !== undefined && found !== undefined) edgeElements.get(`${source.id}->${found.id}`)?.classList.add('taken');
      current.textContent = `Current state: ${state ?? 'unknown'}`;
    },
  };
}
