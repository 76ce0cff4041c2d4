import { h, replace, route, table, throttled } from '../dom.ts';
import type { View } from '../context.ts';
import { fieldValue, pagedList, selectField, textField } from './paged.ts';

interface Job {
  id: string;
  status: string;
  queueId?: string;
  channelId?: string;
  priority?: number;
  enqueuedAt?: string;
}

/** Every job status the list filter takes, plus `active` (not closed or cancelled) and `all`. */
const STATUSES = ['', 'active', 'all', 'pendingClassification', 'queued', 'assigned', 'completed', 'closed', 'cancelled', 'classificationFailed', 'created', 'pendingSchedule', 'scheduled', 'scheduleFailed', 'waitingForActivation'];

/** Jobs, filtered by status and queue and paged by the server; the page shown is refreshed as events arrive. */
export const jobsView: View = async (main, { feed, query }) => {
  const filters = [selectField('Status', 'status', STATUSES, query.get('status') ?? undefined), textField('Queue', 'queueId', query.get('queueId') ?? undefined)];
  const root = h('div', {});
  const filterValues = () => ({ status: fieldValue(root, 'status'), queueId: fieldValue(root, 'queueId') });
  const list = pagedList<Job>({
    path: '/routing/jobs',
    filters,
    query: filterValues,
    onFilter: () => {
      const values = Object.entries(filterValues()).filter((entry): entry is [string, string] => entry[1] !== undefined);
      history.replaceState(null, '', `${route('jobs')}${values.length ? `?${new URLSearchParams(values)}` : ''}`);
    },
    render: (jobs) =>
      table(
        'Jobs',
        ['Job', 'Status', 'Queue', 'Channel', 'Priority', 'Enqueued'],
        jobs.map((job) =>
          h(
            'tr',
            { 'data-job': job.id },
            h('th', { scope: 'row' }, h('a', { href: route('job', job.id) }, job.id)),
            h('td', { class: `status status-${job.status}` }, job.status),
            h('td', {}, job.queueId ?? '—'),
            h('td', {}, job.channelId ?? '—'),
            h('td', { class: 'number' }, job.priority ?? '—'),
            h('td', {}, job.enqueuedAt ? new Date(job.enqueuedAt).toLocaleString() : '—'),
          ),
        ),
      ),
  });
  replace(root, list.element);
  replace(main, h('h2', {}, 'Jobs'), root);
  await list.load();
  const refresh = throttled(list.refresh, 1000);
  const unsubscribe = await feed.subscribeEvents({}, (event) => {
    if (event.type.startsWith('RouterJob') || event.type === 'RouterWorkerOfferAccepted') refresh.mark();
  });
  return () => {
    refresh.stop();
    unsubscribe();
  };
};
