/**
 * `npm run bench:console`: the web console against a real server holding 10,000 workers and 100,000 jobs, in Debian's
 * headless Chromium. Measures each view's time to first render (navigation to the view's data drawn; the job page
 * until its chart is laid out and its state highlighted), then, under a steady load of job lifecycles, how fast the
 * console follows: the delay from a command to the new state highlighted on a job's page, how often the jobs view
 * redraws, frames per second and the longest task on the page's main thread (its own load included). Prints a
 * table and, last, one JSON line.
 *
 * The bench, the server and the browser share the machine's cores; figures are for comparing runs, not absolutes.
 */
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { SwitchboardClient } from '../../src/client/index.ts';
import { launchBrowser } from '../e2e/support/browser.ts';
import { startServerProcess } from '../e2e/support/server-process.ts';
import { wsUrlOf } from '../e2e/support/ws-server.ts';

const SIZE = { queues: 10, workers: 10_000, jobs: 100_000 };
/** Requests kept in flight while populating. */
const IN_FLIGHT = 2_000;
/** The load phase: concurrent lifecycle loops, for this long. */
const LOAD = { loops: 24, seconds: 15, watchedJobs: 8 };

const log = (line: string) => process.stderr.write(`${line}\n`);

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN;
}

async function pipelined(count: number, send: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await send(next++);
    }),
  );
}

/** Installed in every page before the console loads: frame counter, long tasks, list redraws, highlight times. */
const INSTRUMENT = `
window.__bench = { frames: 0, longTasks: 0, longestTaskMs: 0, listRedraws: 0, highlights: [] };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) { __bench.longTasks++; __bench.longestTaskMs = Math.max(__bench.longestTaskMs, entry.duration); }
}).observe({ type: 'longtask', buffered: true });
const tick = () => { __bench.frames++; requestAnimationFrame(tick); };
requestAnimationFrame(tick);
new MutationObserver((records) => {
  for (const record of records) {
    const target = record.target;
    if (record.type === 'childList' && record.addedNodes.length > 0 && target.classList && target.classList.contains('list-body')) __bench.listRedraws++;
    if (record.type === 'attributes' && record.attributeName === 'data-state' && target.classList.contains('chart-box'))
      __bench.highlights.push({ state: target.dataset.state, at: Date.now() });
  }
}).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
`;

interface PageCounters {
  frames: number;
  longTasks: number;
  longestTaskMs: number;
  listRedraws: number;
  highlights: Array<{ state: string; at: number }>;
}
const counters = (page: Page) => page.evaluate<PageCounters>('window.__bench');

async function main(): Promise<void> {
  log(`starting a server and filling it: ${SIZE.queues} queues, ${SIZE.workers} workers, ${SIZE.jobs} jobs`);
  const server = await startServerProcess(['--rate-limit', '1000000000', '--log-level', 'warn']);
  const admin = await SwitchboardClient.connect(wsUrlOf(server.url));
  const browser = await launchBrowser();
  try {
    const fillStarted = performance.now();
    await admin.call('upsertDistributionPolicy', { distributionPolicyId: 'dp', offerExpiresAfterSeconds: 3600, mode: { kind: 'longestIdle' } });
    for (let q = 0; q < SIZE.queues; q++) await admin.call('upsertQueue', { queueId: `q${q}`, distributionPolicyId: 'dp' });
    await admin.call('upsertQueue', { queueId: 'watch', distributionPolicyId: 'dp' });
    await admin.call('upsertWorker', { workerId: 'watcher', queues: ['watch'], capacity: 1, channels: [{ channelId: 'chat', capacityCostPerJob: 1 }], availableForOffers: true });
    await pipelined(SIZE.workers, (i) =>
      admin.call('upsertWorker', {
        workerId: `w${String(i).padStart(5, '0')}`,
        queues: [`q${i % SIZE.queues}`],
        capacity: 1,
        channels: [{ channelId: 'chat', capacityCostPerJob: 1 }],
        availableForOffers: true,
      }),
    );
    await pipelined(SIZE.jobs, (i) => admin.call('upsertJob', { jobId: `j${String(i).padStart(6, '0')}`, queueId: `q${i % SIZE.queues}`, channelId: 'chat', priority: i % 5 }));
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    log(`filled in ${fillSeconds.toFixed(1)} s`);

    // Time to first render, each view cold (a new page: scripts, machines, data) then warm (same page, reload).
    const views: Record<string, string> = {
      queues: '#/queues',
      workers: '#/workers',
      jobs: '#/jobs?status=queued&queueId=q3',
      job: '#/job/j050003',
      worker: '#/worker/w00003',
    };
    const firstRender: Record<string, { coldMs: number; warmMs: number }> = {};
    for (const [name, hash] of Object.entries(views)) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const ready = name === 'job' || name === 'worker' ? 'svg.chart .state.current' : `body[data-ready="true"][data-view="${name}"]`;
      let started = performance.now();
      await page.goto(`${server.url}/console/${hash}`);
      await page.waitForSelector(ready, { timeout: 60_000 });
      const coldMs = performance.now() - started;
      started = performance.now();
      await page.reload();
      await page.waitForSelector(ready, { timeout: 60_000 });
      firstRender[name] = { coldMs, warmMs: performance.now() - started };
      log(`${name}: first render ${coldMs.toFixed(0)} ms cold, ${firstRender[name]!.warmMs.toFixed(0)} ms warm`);
      await page.close();
    }

    // Under load: lifecycles on the big queues, and jobs of the watched queue followed on their own page.
    const listPage = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await listPage.addInitScript(INSTRUMENT);
    await listPage.goto(`${server.url}/console/#/jobs?status=active`);
    await listPage.waitForSelector('body[data-ready="true"][data-view="jobs"]');
    const jobPage = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await jobPage.addInitScript(INSTRUMENT);

    let lifecycles = 0;
    let running = true;
    const loop = async (l: number): Promise<void> => {
      for (let w = l; running; w = (w + LOAD.loops) % SIZE.workers) {
        const workerId = `w${String(w).padStart(5, '0')}`;
        const { offers } = await admin.call('getWorker', { workerId });
        const offer = offers[0];
        if (offer === undefined) continue;
        const { jobId, assignmentId } = await admin.call('acceptJobOffer', { workerId, offerId: offer.offerId });
        await admin.call('completeJob', { jobId, assignmentId });
        await admin.call('closeJob', { jobId, assignmentId });
        lifecycles++;
      }
    };
    const before = { list: await counters(listPage) };
    const loadStarted = performance.now();
    const loops = Array.from({ length: LOAD.loops }, (_, l) => loop(l));

    const latencies: number[] = [];
    let jobFrames = 0;
    let jobFrameMs = 0;
    let jobLongest = 0;
    for (let n = 0; n < LOAD.watchedJobs && performance.now() - loadStarted < LOAD.seconds * 1000; n++) {
      const jobId = `watched-${n}`;
      await admin.call('upsertJob', { jobId, queueId: 'watch', channelId: 'chat' });
      await jobPage.goto(`${server.url}/console/#/job/${jobId}`);
      await jobPage.waitForSelector('svg.chart .state.current[data-state="queued"]', { timeout: 30_000 });
      const pageStart = await counters(jobPage);
      const pageStartedAt = performance.now();
      const { offers } = await admin.call('getWorker', { workerId: 'watcher' });
      const steps: Array<[string, () => Promise<unknown>]> = [];
      let assignmentId = '';
      steps.push(['assigned', async () => ({ assignmentId } = await admin.call('acceptJobOffer', { workerId: 'watcher', offerId: offers[0]!.offerId }))]);
      steps.push(['completed', () => admin.call('completeJob', { jobId, assignmentId })]);
      steps.push(['closed', () => admin.call('closeJob', { jobId, assignmentId })]);
      for (const [state, step] of steps) {
        const sentAt = Date.now();
        await step();
        await jobPage.waitForSelector(`svg.chart .state.current[data-state="${state}"]`, { timeout: 30_000 });
        const shown = (await counters(jobPage)).highlights.findLast((highlight) => highlight.state === state);
        if (shown) latencies.push(shown.at - sentAt);
      }
      const pageEnd = await counters(jobPage);
      jobFrames += pageEnd.frames - pageStart.frames;
      jobFrameMs += performance.now() - pageStartedAt;
      jobLongest = Math.max(jobLongest, pageEnd.longestTaskMs);
    }
    const remaining = LOAD.seconds * 1000 - (performance.now() - loadStarted);
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
    running = false;
    await Promise.all(loops);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const after = await counters(listPage);

    const figures = {
      workers: SIZE.workers,
      jobs: SIZE.jobs,
      fillSeconds: Number(fillSeconds.toFixed(1)),
      firstRenderMs: Object.fromEntries(Object.entries(firstRender).map(([name, { coldMs, warmMs }]) => [name, { cold: Math.round(coldMs), warm: Math.round(warmMs) }])),
      loadLifecyclesPerSecond: Math.round(lifecycles / loadSeconds),
      highlightSamples: latencies.length,
      highlightP50Ms: percentile(latencies, 0.5),
      highlightP95Ms: percentile(latencies, 0.95),
      jobsViewRedrawsPerSecond: Number(((after.listRedraws - before.list.listRedraws) / loadSeconds).toFixed(2)),
      jobsViewFps: Math.round((after.frames - before.list.frames) / loadSeconds),
      jobsViewLongestTaskMs: Math.round(after.longestTaskMs),
      jobPageFps: Math.round(jobFrames / (jobFrameMs / 1000)),
      jobPageLongestTaskMs: Math.round(jobLongest),
    };
    console.log('view      first render cold / warm (ms)');
    for (const [name, value] of Object.entries(figures.firstRenderMs)) console.log(`${name.padEnd(9)} ${String(value.cold).padStart(6)} / ${value.warm}`);
    console.log(`under ${figures.loadLifecyclesPerSecond} job lifecycles/s for ${loadSeconds.toFixed(0)} s:`);
    console.log(`  command → state highlighted on the job page: p50 ${figures.highlightP50Ms} ms, p95 ${figures.highlightP95Ms} ms (${latencies.length} samples)`);
    console.log(`  jobs view: ${figures.jobsViewRedrawsPerSecond} redraws/s, ${figures.jobsViewFps} frames/s, longest task ${figures.jobsViewLongestTaskMs} ms`);
    console.log(`  job page: ${figures.jobPageFps} frames/s, longest task ${figures.jobPageLongestTaskMs} ms`);
    console.log(JSON.stringify(figures));
  } finally {
    await browser.close();
    await admin.close();
    await server.stop();
  }
}

await main();
