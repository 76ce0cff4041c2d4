/** Builds DOM without HTML strings, so no text from the server is ever parsed as markup. */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined | EventListener>;

/** An element with attributes (`on…` ones are listeners; `false`/`undefined` ones are left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element, the same way. */
export function s(tag: string, attributes: Attributes = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(element: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
}

/** Replaces every child of `element`. */
export function replace(element: Element, ...children: Child[]): void {
  element.replaceChildren();
  append(element, children);
}

/** `#/job/<id>`-style links, with each id percent-encoded. */
export function route(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

/** A table with a caption and column headers; rows are built by the caller. */
export function table(caption: string, columns: readonly string[], rows: readonly HTMLTableRowElement[]): HTMLTableElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...columns.map((column) => h('th', { scope: 'col' }, column)))),
    h('tbody', {}, ...rows),
  );
}

/** Minutes to a short text (`<1 min`, `12 min`, `2 h 5 min`). */
export function minutes(value: number | undefined): string {
  if (value === undefined) return '—';
  if (value < 1) return '<1 min';
  const whole = Math.round(value);
  return whole < 60 ? `${whole} min` : `${Math.floor(whole / 60)} h ${whole % 60} min`;
}

/**
 * Runs `task` at most once per `intervalMs` while `mark` keeps being called: the first mark runs it soon, marks
 * during a run or the pause after it run it once more afterwards. So a flood of events costs one refresh a second.
 */
export function throttled(task: () => Promise<void>, intervalMs: number): { mark(): void; stop(): void } {
  let dirty = false;
  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const run = async () => {
    timer = undefined;
    if (stopped || !dirty) return;
    dirty = false;
    running = true;
    try {
      await task();
    } finally {
      running = false;
      if (!stopped) timer = setTimeout(run, intervalMs);
    }
  };
  return {
    mark() {
      dirty = true;
      if (!running && timer === undefined) timer = setTimeout(run, 50);
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
