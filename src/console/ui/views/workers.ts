import { getJson } from '../api.ts';
import { h, replace, route, table, throttled } from '../dom.ts';
import type { View } from '../context.ts';
import { fieldValue, pagedList, selectField, textField } from './paged.ts';

interface Worker {
  id: string;
  state: string;
  offers: Array<{ offerId: string; jobId: string }>;
  assignedJobs: Array<{ assignmentId: string; jobId: string }>;
}

interface WorkerLoad {
  workerId: string;
  capacity: number;
  usedCapacity: number;
  channels: Array<{ channelId: string; jobs: number; maxNumberOfJobs?: number; capacityUsed: number }>;
}

function loadText(load: WorkerLoad | undefined): string {
  if (load === undefined || load.channels.length === 0) return '—';
  return load.channels
    .map((channel) => `${channel.channelId}: ${channel.jobs}${channel.maxNumberOfJobs === undefined ? '' : `/${channel.maxNumberOfJobs}`} jobs, ${channel.capacityUsed}/${load.capacity} capacity`)
    .join('; ');
}

/** Workers, filtered by state and queue and paged by the server, with load per channel, offers and assignments. */
export const workersView: View = async (main, { feed, query }) => {
  const filters = [selectField('State', 'state', ['', 'active', 'draining', 'inactive', 'all'], query.get('state') ?? undefined), textField('Queue', 'queueId', query.get('queueId') ?? undefined)];
  const root = h('div', {});
  const list = pagedList<Worker>({
    path: '/routing/workers',
    filters,
    query: () => ({ state: fieldValue(root, 'state'), queueId: fieldValue(root, 'queueId') }),
    render: async (workers) => {
      const { value } = await getJson<{ value: WorkerLoad[] }>('/console/api/workers', { id: workers.map((worker) => worker.id) });
      const loads = new Map(value.map((load) => [load.workerId, load]));
      return table(
        'Workers',
        ['Worker', 'State', 'Load per channel', 'Offers', 'Assignments'],
        workers.map((worker) =>
          h(
            'tr',
            { 'data-worker': worker.id },
            h('th', { scope: 'row' }, h('a', { href: route('worker', worker.id) }, worker.id)),
            h('td', { class: `status status-${worker.state}` }, worker.state),
            h('td', {}, loadText(loads.get(worker.id))),
            h('td', {}, ...worker.offers.flatMap((offer, i) => [i > 0 ? ', ' : null, h('a', { href: route('offer', worker.id, offer.offerId) }, offer.jobId)]), worker.offers.length === 0 ? '—' : null),
            h('td', {}, ...worker.assignedJobs.flatMap((job, i) => [i > 0 ? ', ' : null, h('a', { href: route('job', job.jobId) }, job.jobId)]), worker.assignedJobs.length === 0 ? '—' : null),
          ),
        ),
      );
    },
  });
  replace(root, list.element);
  replace(main, h('h2', {}, 'Workers'), root);
  await list.load();
  const refresh = throttled(list.refresh, 1000);
  const unsubscribe = await feed.subscribeEvents({}, (event) => {
    if (event.type.startsWith('RouterWorker') || event.type === 'RouterJobCompleted' || event.type === 'RouterJobClosed') refresh.mark();
  });
  return () => {
    refresh.stop();
    unsubscribe();
  };
};
