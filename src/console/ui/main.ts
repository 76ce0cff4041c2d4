/**
 * The console's entry point: asks for the access key when the server wants one, opens the WebSocket, and shows the
 * view the address names (`#/queues`, `#/workers`, `#/jobs`, `#/job/<id>`, `#/worker/<id>`, `#/offer/<worker>/<id>`).
 */
import { accessKey, ApiError, AuthRequired, getJson, setAccessKey } from './api.ts';
import { prepareCharts } from './chart-view.ts';
import type { MachineExport, View, ViewContext } from './context.ts';
import { h, replace } from './dom.ts';
import { Feed } from './feed.ts';
import { jobView, offerView, workerView } from './views/detail.ts';
import { jobsView } from './views/jobs.ts';
import { queuesView } from './views/queues.ts';
import { workersView } from './views/workers.ts';

const VIEWS: Readonly<Record<string, View>> = { queues: queuesView, workers: workersView, jobs: jobsView, job: jobView, worker: workerView, offer: offerView };

const main = document.getElementById('main')!;
const status = document.getElementById('connection')!;
const forget = document.getElementById('forget') as HTMLButtonElement;

let feed: Feed | undefined;
let machines: ReadonlyMap<string, MachineExport> = new Map();
let stopView: (() => void) | undefined;
let generation = 0;

function announce(text: string): void {
  status.textContent = text;
}

function parseLocation(): { name: string; params: string[]; query: URLSearchParams } {
  const [path = '', search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name = 'queues', ...params] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name, params, query: new URLSearchParams(search) };
}

function markCurrentLink(name: string): void {
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav.main-nav a')) {
    const current = link.hash === `#/${name}` || (link.hash === '#/jobs' && name === 'job') || (link.hash === '#/workers' && (name === 'worker' || name === 'offer'));
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function show(): Promise<void> {
  const mine = ++generation;
  stopView?.();
  stopView = undefined;
  const { name, params, query } = parseLocation();
  markCurrentLink(name);
  const view = VIEWS[name];
  if (feed === undefined) return;
  if (view === undefined) {
    replace(main, h('h2', {}, 'Not found'), h('p', {}, `The console has no view "${name}".`));
    return;
  }
  const context: ViewContext = { feed, machines, params, query, announce };
  document.body.dataset['view'] = name;
  document.body.dataset['ready'] = 'false';
  try {
    const stop = await view(main, context);
    if (mine !== generation) return stop();
    stopView = stop;
    document.body.dataset['ready'] = 'true';
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof AuthRequired) return askForKey('The access key was refused.');
    replace(main, h('h2', {}, 'Something went wrong'), h('p', { role: 'alert' }, error instanceof ApiError ? `${error.code}: ${error.message}` : String(error)));
  }
}

function askForKey(problem?: string): void {
  stopView?.();
  feed?.close();
  feed = undefined;
  forget.hidden = true;
  const input = h('input', { id: 'access-key', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'key-help' });
  const form = h(
    'form',
    {
      class: 'key-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        setAccessKey(input.value.trim());
        void start();
      },
    },
    h('h2', {}, 'Access key'),
    problem ? h('p', { role: 'alert' }, problem) : null,
    h('p', { id: 'key-help' }, 'This server needs its access key. It is kept for this browser tab only, and forgotten when the tab closes.'),
    h('label', { for: 'access-key' }, 'Access key'),
    input,
    h('button', { type: 'submit' }, 'Open the console'),
  );
  replace(main, form);
  input.focus();
}

async function connect(): Promise<void> {
  feed = await Feed.connect();
  announce('Live');
  feed.onClose(() => {
    if (feed === undefined) return;
    feed = undefined;
    announce('Connection lost; reconnecting…');
    setTimeout(() => void reconnect(1), 500);
  });
}

async function reconnect(attempt: number): Promise<void> {
  try {
    await connect();
    await show();
  } catch {
    setTimeout(() => void reconnect(attempt + 1), Math.min(5000, 500 * 2 ** attempt));
  }
}

async function start(): Promise<void> {
  try {
    const { value } = await getJson<{ value: MachineExport[] }>('/machines');
    machines = new Map(value.map((machine) => [machine.id, machine]));
  } catch (error) {
    if (error instanceof AuthRequired) return askForKey(accessKey() === undefined ? undefined : 'The access key was refused.');
    replace(main, h('p', { role: 'alert' }, `The server did not answer: ${String(error)}`));
    return;
  }
  forget.hidden = accessKey() === undefined;
  try {
    await connect();
  } catch {
    announce('Could not open the live feed; retrying…');
    void reconnect(1);
    return;
  }
  // The first view asks for its own chart first; the other machines are laid out after it, in the background.
  const showing = show();
  prepareCharts([...machines.values()].map((machine) => machine.definition));
  await showing;
}

forget.addEventListener('click', () => {
  setAccessKey(undefined);
  askForKey();
});
window.addEventListener('hashchange', () => {
  void show().then(() => main.focus({ preventScroll: true }));
});
void start();
