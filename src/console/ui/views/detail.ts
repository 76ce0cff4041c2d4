import { ApiError, getJson } from '../api.ts';
import { drawChart } from '../chart-view.ts';
import { h, replace, route, throttled } from '../dom.ts';
import type { View, ViewContext } from '../context.ts';
import type { ActorKind, RouterEvent, Transition } from '../stream-types.ts';
import { followTransitions } from '../transitions.ts';

/** Most history rows kept on a page; older ones are dropped from the top. */
const MAX_HISTORY_ROWS = 2000;

interface Subject {
  readonly kind: ActorKind;
  readonly id: string;
  readonly title: string;
  /** The events stream filter for its history. */
  readonly filter: Record<string, string>;
  /** Whether an event of the filtered stream is about it (offers share their worker's filter). */
  readonly concerns: (event: RouterEvent) => boolean;
  /** The state an event of its history says it reached, for actors whose events tell it (offers). */
  readonly stateFromEvent?: ((event: RouterEvent) => string | undefined) | undefined;
  /** The facts shown above the chart, read again as its events arrive. */
  readonly facts: () => Promise<HTMLElement>;
}

const OFFER_STATES: Readonly<Record<string, string>> = {
  RouterWorkerOfferIssued: 'issued',
  RouterWorkerOfferAccepted: 'accepted',
  RouterWorkerOfferDeclined: 'declined',
  RouterWorkerOfferExpired: 'expired',
  RouterWorkerOfferRevoked: 'revoked',
};

function facts(entries: ReadonlyArray<[string, Node | string | number | undefined]>): HTMLElement {
  return h('dl', { class: 'facts' }, ...entries.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value ?? '—')]));
}

function links(items: ReadonlyArray<{ text: string; href: string }>): Node | string {
  if (items.length === 0) return '—';
  const span = h('span', {});
  items.forEach((item, i) => span.append(...(i > 0 ? [', '] : []), h('a', { href: item.href }, item.text)));
  return span;
}

async function notFoundAsUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  return read.catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  });
}

function jobSubject(jobId: string): Subject {
  const offers = new Map<string, string>();
  return {
    kind: 'job',
    id: jobId,
    title: `Job ${jobId}`,
    filter: { jobId },
    concerns: (event) => {
      if (event.type === 'RouterWorkerOfferIssued') offers.set(String(event.data['offerId']), String(event.data['workerId']));
      return true;
    },
    facts: async () => {
      const job = await notFoundAsUndefined(
        getJson<{ status: string; queueId?: string; channelId?: string; priority?: number; assignments?: Record<string, { workerId?: string }> }>(
          `/routing/jobs/${encodeURIComponent(jobId)}`,
        ),
      );
      if (job === undefined) return h('p', {}, 'This job does not exist (or was deleted).');
      return facts([
        ['Status', job.status],
        ['Queue', job.queueId],
        ['Channel', job.channelId],
        ['Priority', job.priority],
        ['Assignments', links(Object.entries(job.assignments ?? {}).map(([id, assignment]) => ({ text: `${id} (${assignment.workerId ?? '?'})`, href: route('worker', assignment.workerId ?? '') })))],
        ['Offers', links([...offers].map(([offerId, workerId]) => ({ text: `${offerId} to ${workerId}`, href: route('offer', workerId, offerId) })))],
      ]);
    },
  };
}

function workerSubject(workerId: string): Subject {
  const read = () =>
    notFoundAsUndefined(
      getJson<{ state: string; capacity?: number; queues?: string[]; offers: Array<{ offerId: string; jobId: string }>; assignedJobs: Array<{ jobId: string }>; loadRatio: number }>(
        `/routing/workers/${encodeURIComponent(workerId)}`,
      ),
    );
  return {
    kind: 'worker',
    id: workerId,
    title: `Worker ${workerId}`,
    filter: { workerId },
    concerns: () => true,
    facts: async () => {
      const worker = await read();
      if (worker === undefined) return h('p', {}, 'This worker does not exist (or was deleted).');
      return facts([
        ['State', worker.state],
        ['Capacity', worker.capacity],
        ['Load', `${Math.round(worker.loadRatio * 100)} %`],
        ['Queues', links((worker.queues ?? []).map((queueId) => ({ text: queueId, href: `${route('jobs')}?queueId=${encodeURIComponent(queueId)}` })))],
        ['Offers', links(worker.offers.map((offer) => ({ text: `${offer.offerId} (job ${offer.jobId})`, href: route('offer', workerId, offer.offerId) })))],
        ['Assigned jobs', links(worker.assignedJobs.map((job) => ({ text: job.jobId, href: route('job', job.jobId) })))],
      ]);
    },
  };
}

function offerSubject(workerId: string, offerId: string): Subject {
  let fromEvents: string | undefined;
  let jobId: string | undefined;
  return {
    kind: 'offer',
    id: offerId,
    title: `Offer ${offerId}`,
    filter: { workerId },
    concerns: (event) => {
      if (event.data['offerId'] !== offerId) return false;
      fromEvents = OFFER_STATES[event.type] ?? fromEvents;
      if (typeof event.data['jobId'] === 'string') jobId = event.data['jobId'];
      return true;
    },
    stateFromEvent: (event) => OFFER_STATES[event.type],
    facts: async () =>
      facts([
        ['Worker', h('a', { href: route('worker', workerId) }, workerId)],
        ['Job', jobId === undefined ? undefined : h('a', { href: route('job', jobId) }, jobId)],
        ['State (from its events)', fromEvents],
      ]),
  };
}

/** One row of the history: an event with its sequence number, or a transition of the actor. */
function historyRow(cells: { seq: string; time: string; kind: string; what: string }): HTMLTableRowElement {
  return h('tr', { class: `history-${cells.kind}` }, h('td', { class: 'number' }, cells.seq), h('td', {}, cells.time), h('td', {}, cells.kind), h('td', {}, cells.what));
}

function eventSummary(event: RouterEvent): string {
  const interesting = ['queueId', 'workerId', 'offerId', 'assignmentId', 'channelId', 'dispositionCode'];
  const parts = interesting.filter((name) => event.data[name] !== undefined).map((name) => `${name} ${String(event.data[name])}`);
  return `${event.type}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** One job, worker or offer: its facts, its state chart with the current state, and its history, all live. */
function detailView(subjectOf: (params: readonly string[]) => Subject | undefined): View {
  return async (main, context: ViewContext) => {
    const subject = subjectOf(context.params);
    if (subject === undefined) {
      replace(main, h('h2', {}, 'Not found'), h('p', {}, 'This address names no job, worker or offer.'));
      return () => undefined;
    }
    const machine = context.machines.get(subject.kind);
    const factsBox = h('div', { class: 'facts-box' });
    const chartBox = h('div', { class: 'chart-box' }, h('p', {}, 'Laying out the state chart…'));
    const historyBody = h('tbody', {});
    const notice = h('p', { class: 'notice' });
    replace(
      main,
      h('h2', {}, subject.title),
      factsBox,
      h('h3', {}, `State chart of the ${subject.kind} machine`),
      chartBox,
      h('h3', {}, 'History'),
      notice,
      h(
        'table',
        { class: 'history' },
        h('caption', {}, 'Events (with their sequence numbers) and state transitions, oldest first'),
        h('thead', {}, h('tr', {}, ...['Seq', 'Time', 'Kind', 'What'].map((column) => h('th', { scope: 'col' }, column)))),
        historyBody,
      ),
    );
    const addRow = (row: HTMLTableRowElement) => {
      historyBody.append(row);
      while (historyBody.rows.length > MAX_HISTORY_ROWS) historyBody.deleteRow(0);
    };
    const stops: Array<() => void> = [];
    // The layout runs in its worker while the history and facts load.
    const charting = machine === undefined ? undefined : drawChart(machine.definition, `State chart of the ${subject.kind} machine`);
    // Awaited below; until then a failure must not count as unhandled.
    charting?.catch(() => undefined);
    const refreshFacts = throttled(async () => replace(factsBox, await subject.facts()), 500);
    stops.push(() => refreshFacts.stop());

    // Events first (replayed from the start of the retained history), so the facts know the offers.
    // Until the transitions stream has said where the actor is, a state its events tell is shown (an ended offer has
    // no live actor, so its events are all there is; their replay may also arrive after the snapshot).
    let live = false;
    let shown: ((state: string | undefined, from?: string | null) => void) | undefined;
    let fromEvents: string | undefined;
    const onEvent = (event: RouterEvent) => {
      if (!subject.concerns(event)) return;
      const reached = subject.stateFromEvent?.(event);
      if (reached !== undefined && !live) {
        fromEvents = reached;
        shown?.(reached);
      }
      addRow(historyRow({ seq: String(event.sequenceNumber), time: new Date(event.time).toLocaleTimeString(), kind: 'event', what: eventSummary(event) }));
      refreshFacts.mark();
    };
    try {
      stops.push(await context.feed.subscribeEvents(subject.filter, onEvent, 1));
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'EventsNoLongerAvailable') throw error;
      notice.textContent = 'The oldest events are no longer retained by the server; the history starts now.';
      stops.push(await context.feed.subscribeEvents(subject.filter, onEvent));
    }
    replace(factsBox, await subject.facts());

    if (charting === undefined) {
      replace(chartBox, h('p', {}, `The server lists no ${subject.kind} machine.`));
      return () => stops.forEach((stop) => stop());
    }
    const chart = await charting;
    replace(chartBox, chart.element);
    let state: string | undefined;
    const show = (next: string | undefined, from?: string | null) => {
      state = next;
      chart.highlight(state, from);
      chartBox.dataset['state'] = state ?? '';
    };
    shown = show;
    if (fromEvents !== undefined) show(fromEvents);
    stops.push(
      await followTransitions(context.feed, { kinds: [subject.kind], ids: [subject.id] }, {
        onSnapshot: (actors) => {
          // A snapshot holds live actors only: an offer already answered is not in it, and keeps the state its events
          // tell; a job or worker not in it does not exist.
          const ours = actors.find((actor) => actor.kind === subject.kind && actor.id === subject.id);
          if (ours === undefined) return;
          live = true;
          show(ours.state);
        },
        onTransition: (transition: Transition) => {
          live = true;
          show(transition.to, transition.from);
          addRow(historyRow({ seq: '—', time: new Date().toLocaleTimeString(), kind: 'transition', what: `${transition.from ?? '(new)'} → ${transition.to} on ${transition.event}` }));
          context.announce(`${subject.title} is now ${transition.to}`);
          refreshFacts.mark();
        },
      }),
    );
    return () => stops.forEach((stop) => stop());
  };
}

export const jobView = detailView(([jobId]) => (jobId ? jobSubject(jobId) : undefined));
export const workerView = detailView(([workerId]) => (workerId ? workerSubject(workerId) : undefined));
export const offerView = detailView(([workerId, offerId]) => (workerId && offerId ? offerSubject(workerId, offerId) : undefined));
