/**
 * The web console in a real headless Chromium against a real server process: a job created over REST appears in
 * the jobs view, and on its page the highlighted state follows it queued → assigned → completed → closed as the
 * worker acts over WebSocket; keyboard navigation and labels; the access-key prompt. Screenshots go to
 * `test-output/console/`.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SwitchboardClient } from '../../src/client/index.ts';
import { HAVE_CHROMIUM, launchBrowser, outputDirectory } from './support/browser.ts';
import { restClient } from './support/rest-client.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';
import { wsUrlOf } from './support/ws-server.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');
const shots = outputDirectory('console');

/** Every console error and uncaught exception of a page (CSP violations are reported as console errors). */
function problemsOf(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

async function highlighted(page: Page): Promise<string | null> {
  return page.locator('svg.chart .state.current').getAttribute('data-state');
}

describe.skipIf(!HAVE_CHROMIUM)('web console in a browser', () => {
  let browser: Browser;
  let server: ServerProcess;

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(), startServerProcess()]);
    const rest = restClient(server.url);
    await rest.patch('/routing/distributionPolicies/dp', { offerExpiresAfterSeconds: 300, mode: { kind: 'longestIdle' } });
    await rest.patch('/routing/queues/support', { distributionPolicyId: 'dp', name: 'Support' });
    await rest.patch('/routing/workers/alice', {
      queues: ['support'],
      capacity: 10,
      channels: [{ channelId: 'chat', capacityCostPerJob: 5 }],
      availableForOffers: true,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows a new job live and follows its state queued → assigned → completed → closed', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = problemsOf(page);
    await page.goto(`${server.url}/console/#/jobs`);
    await page.waitForSelector('body[data-ready="true"][data-view="jobs"]');

    const rest = restClient(server.url);
    expect((await rest.patch('/routing/jobs/ticket-1', { queueId: 'support', channelId: 'chat', priority: 3 })).status).toBe(201);
    // Appears without a reload, pushed by the events stream.
    const row = page.locator('tr[data-job="ticket-1"]');
    await row.waitFor();
    expect(await row.locator('td.status').textContent()).toBe('queued');
    await page.screenshot({ path: `${shots}jobs.png`, fullPage: true });

    // To the job's page by keyboard: focus its link and press Enter.
    await row.locator('a').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="true"][data-view="job"]');
    expect(page.url()).toMatch(/#\/job\/ticket-1$/);
    await page.waitForSelector('svg.chart .state.current');
    expect(await highlighted(page)).toBe('queued');
    // The chart is the machine's: all 12 job states drawn.
    expect(await page.locator('svg.chart .state').count()).toBe(12);
    await page.screenshot({ path: `${shots}job-queued.png` });

    const client = await SwitchboardClient.connect(wsUrlOf(server.url));
    try {
      const worker = await client.call('getWorker', { workerId: 'alice' });
      const offer = worker.offers.find((candidate) => candidate.jobId === 'ticket-1');
      expect(offer).toBeDefined();
      const { assignmentId } = await client.call('acceptJobOffer', { workerId: 'alice', offerId: offer!.offerId });
      await page.waitForSelector('svg.chart .state.current[data-state="assigned"]');
      await page.screenshot({ path: `${shots}job-assigned.png` });

      await client.call('completeJob', { jobId: 'ticket-1', assignmentId });
      await page.waitForSelector('svg.chart .state.current[data-state="completed"]');
      await page.screenshot({ path: `${shots}job-completed.png` });

      await client.call('closeJob', { jobId: 'ticket-1', assignmentId });
      await page.waitForSelector('svg.chart .state.current[data-state="closed"]');
      await page.screenshot({ path: `${shots}job-closed.png`, fullPage: true });
    } finally {
      await client.close();
    }

    expect(await page.locator('.current-state').textContent()).toBe('Current state: closed');
    expect(await page.locator('svg.chart .edge.taken').count()).toBe(1);
    // History: the job's events with their sequence numbers, in order, and the transitions seen live.
    await page.locator('table.history tr.history-event td:nth-child(4)', { hasText: /^RouterJobClosed/ }).waitFor();
    const sequences = (await page.locator('table.history tr.history-event td:nth-child(1)').allTextContents()).map(Number);
    expect(sequences.length).toBeGreaterThanOrEqual(5);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    const transitions = await page.locator('table.history tr.history-transition td:nth-child(4)').allTextContents();
    expect(transitions).toEqual(['queued → assigned on job.assign', 'assigned → completed on job.complete', 'completed → closed on job.close']);
    // The offer, from the job's facts: it ended accepted, which its events tell (no live actor is left).
    await page.locator('dl.facts a[href^="#/offer/alice/"]').click();
    await page.waitForSelector('body[data-ready="true"][data-view="offer"]');
    await page.waitForSelector('svg.chart .state.current[data-state="accepted"]');
    expect(await page.locator('svg.chart .state').count()).toBe(5);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a late joiner sees the current state first', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/console/#/worker/alice`);
    await page.waitForSelector('svg.chart .state.current[data-state="active"]');
    await page.goto(`${server.url}/console/#/queues`);
    await page.waitForSelector('body[data-ready="true"][data-view="queues"]');
    const cells = await page.locator('tr[data-queue="support"] td').allTextContents();
    // Length, longest wait, estimated wait, active / draining / inactive workers, live offers.
    expect(cells[0]).toBe('0');
    expect(cells.slice(3)).toEqual(['1', '0', '0', '0']);
    await page.screenshot({ path: `${shots}queues.png`, fullPage: true });
    await page.close();
  });

  it('is usable by keyboard, and every control has a label', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/console/#/workers`);
    await page.waitForSelector('body[data-ready="true"][data-view="workers"]');
    // The first Tab reaches the skip link, the next ones the views in order.
    const focused: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''"));
    }
    expect(focused).toEqual(['Skip to content', 'Queues', 'Workers', 'Jobs']);
    expect(await page.locator('nav.main-nav a[aria-current="page"]').textContent()).toBe('Workers');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="true"][data-view="jobs"]');

    // Run in the page (as text: this file is type-checked without the DOM's types).
    const unlabelled = await page.evaluate<string[]>(`[...document.querySelectorAll('input, select, button, textarea')]
      .filter((control) => !control.hidden && control.type !== 'hidden')
      .filter((control) => (control.labels?.length ?? 0) === 0 && !control.getAttribute('aria-label') && !control.textContent?.trim())
      .map((control) => control.outerHTML)`);
    expect(unlabelled).toEqual([]);
    // The status filter, by its label, then Enter submits the filter form.
    await page.getByLabel('Status').selectOption('closed');
    await page.getByLabel('Queue').focus();
    await page.keyboard.type('support');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/jobs\?status=closed&queueId=support$/);
    await page.locator('tr[data-job="ticket-1"]').waitFor();
    await page.close();
  });
});

describe.skipIf(!HAVE_CHROMIUM)('web console with an access key', () => {
  let browser: Browser;
  let server: ServerProcess;

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(), startServerProcess([], { SWITCHBOARD_ACCESS_KEY: KEY })]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('asks for the key, keeps it for the tab only, and asks again in a new tab', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = problemsOf(page);
    await page.goto(`${server.url}/console/`);
    const input = page.getByLabel('Access key');
    await input.waitFor();
    await page.screenshot({ path: `${shots}access-key.png` });
    await input.fill('d3Jvbmcga2V5IQ==');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'The access key was refused.' }).waitFor();
    await page.getByLabel('Access key').fill(KEY);
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="true"][data-view="queues"]');
    expect(await page.locator('#connection').textContent()).toBe('Live');
    expect(await page.evaluate('({ session: sessionStorage.length, local: localStorage.length, cookie: document.cookie })')).toEqual({
      session: 1,
      local: 0,
      cookie: '',
    });
    // A reload in the same tab keeps it; a new tab does not have it.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"][data-view="queues"]');
    const other = await context.newPage();
    await other.goto(`${server.url}/console/`);
    await other.getByLabel('Access key').waitFor();
    // 401s of the refused key are the browser's own console messages; nothing else went wrong.
    expect(problems.filter((problem) => !problem.includes('401'))).toEqual([]);
    await context.close();
  });
});
