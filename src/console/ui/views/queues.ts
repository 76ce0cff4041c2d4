import { getJson } from '../api.ts';
import { h, minutes, replace, route, table, throttled } from '../dom.ts';
import type { View } from '../context.ts';

interface QueueSummary {
  queueId: string;
  name?: string;
  length: number;
  longestJobWaitTimeMinutes?: number;
  estimatedWaitTimeMinutes: Record<string, number>;
  workers: { active: number; draining: number; inactive: number };
  liveOffers: number;
}

/** Every queue: its length and waits, its workers by state and its live offers; refreshed as events arrive. */
export const queuesView: View = async (main, { feed }) => {
  const body = h('div', {});
  replace(main, h('h2', {}, 'Queues'), body);
  const render = async () => {
    const { value, truncated } = await getJson<{ value: QueueSummary[]; truncated: boolean }>('/console/api/queues');
    const rows = value.map((queue) =>
      h(
        'tr',
        { 'data-queue': queue.queueId },
        h('th', { scope: 'row' }, h('a', { href: `${route('jobs')}?queueId=${encodeURIComponent(queue.queueId)}` }, queue.name ? `${queue.name} (${queue.queueId})` : queue.queueId)),
        h('td', { class: 'number' }, queue.length),
        h('td', {}, minutes(queue.longestJobWaitTimeMinutes)),
        h(
          'td',
          {},
          Object.entries(queue.estimatedWaitTimeMinutes)
            .map(([priority, wait]) => `priority ${priority}: ${minutes(wait)}`)
            .join(', ') || '—',
        ),
        h('td', { class: 'number' }, queue.workers.active),
        h('td', { class: 'number' }, queue.workers.draining),
        h('td', { class: 'number' }, queue.workers.inactive),
        h('td', { class: 'number' }, queue.liveOffers),
      ),
    );
    replace(
      body,
      value.length === 0
        ? h('p', {}, 'No queues yet.')
        : table('Queues, with their statistics, workers by state and live offers', ['Queue', 'Length', 'Longest wait', 'Estimated wait', 'Active workers', 'Draining workers', 'Inactive workers', 'Live offers'], rows),
      truncated ? h('p', {}, 'Only the first 1000 queues are shown.') : null,
    );
  };
  await render();
  const refresh = throttled(render, 1000);
  const unsubscribe = await feed.subscribeEvents({}, () => refresh.mark());
  return () => {
    refresh.stop();
    unsubscribe();
  };
};
