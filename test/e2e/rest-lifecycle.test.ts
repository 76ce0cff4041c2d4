import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptJobOfferResult } from '../../src/protocol/actions.schemas.ts';
import type { RouterJob } from '../../src/protocol/job.schemas.ts';
import type { RouterQueue } from '../../src/protocol/queue.schemas.ts';
import type { RouterWorker } from '../../src/protocol/worker.schemas.ts';
import { restClient, type RestClient } from './support/rest-client.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';

let server: ServerProcess;
let rest: RestClient;

beforeAll(async () => {
  server = await startServerProcess();
  rest = restClient(server.url);
});
afterAll(async () => {
  expect(await server.stop()).toBe(0);
});

describe('the job lifecycle over REST', () => {
  it('policy, queue, worker, job → offer on the worker → accept → complete → close → delete', async () => {
    const policy = await rest.patch('/routing/distributionPolicies/lc-policy', {
      offerExpiresAfterSeconds: 600,
      mode: { kind: 'longestIdle' },
    });
    expect(policy.status).toBe(201);

    const queue = await rest.patch<RouterQueue>('/routing/queues/lc-queue', { distributionPolicyId: 'lc-policy', name: 'Lifecycle' });
    expect(queue.status).toBe(201);
    expect(queue.json).toMatchObject({ id: 'lc-queue', labels: { Id: 'lc-queue' } });

    const worker = await rest.patch<RouterWorker>('/routing/workers/lc-worker', {
      capacity: 10,
      queues: ['lc-queue'],
      channels: [{ channelId: 'voice', capacityCostPerJob: 10 }],
      availableForOffers: true,
    });
    expect(worker.status).toBe(201);
    expect(worker.json.state).toBe('active');

    const job = await rest.patch<RouterJob>('/routing/jobs/lc-job', { queueId: 'lc-queue', channelId: 'voice', priority: 5 });
    expect(job.status).toBe(201);

    const withOffer = await rest.get<RouterWorker>('/routing/workers/lc-worker');
    expect(withOffer.status).toBe(200);
    expect(withOffer.json.offers).toHaveLength(1);
    const offer = withOffer.json.offers[0]!;
    expect(offer.jobId).toBe('lc-job');

    const accepted = await rest.post<AcceptJobOfferResult>(`/routing/workers/lc-worker/offers/${offer.offerId}:accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({ jobId: 'lc-job', workerId: 'lc-worker' });
    const { assignmentId } = accepted.json;

    expect((await rest.get<RouterJob>('/routing/jobs/lc-job')).json.status).toBe('assigned');

    const completed = await rest.post(`/routing/jobs/lc-job/assignments/${assignmentId}:complete`, { note: 'done' });
    expect(completed).toMatchObject({ status: 200, json: {} });
    expect((await rest.get<RouterJob>('/routing/jobs/lc-job')).json.status).toBe('completed');

    const closed = await rest.post(`/routing/jobs/lc-job/assignments/${assignmentId}:close`, { dispositionCode: 'resolved' });
    expect(closed).toMatchObject({ status: 200, json: {} });
    const final = await rest.get<RouterJob>('/routing/jobs/lc-job');
    expect(final.json).toMatchObject({ status: 'closed', dispositionCode: 'resolved' });

    expect((await rest.get<RouterWorker>('/routing/workers/lc-worker')).json.assignedJobs).toEqual([]);
    const deleted = await rest.delete('/routing/jobs/lc-job');
    expect(deleted.status).toBe(204);
    expect(deleted.json).toBeUndefined();
    expect((await rest.get('/routing/jobs/lc-job')).status).toBe(404);
  });

  it('an action without a body is accepted (Azure SDKs send none for accept)', async () => {
    await rest.patch('/routing/distributionPolicies/nb-policy', { offerExpiresAfterSeconds: 600, mode: { kind: 'longestIdle' } });
    await rest.patch('/routing/queues/nb-queue', { distributionPolicyId: 'nb-policy' });
    await rest.patch('/routing/jobs/nb-job', { queueId: 'nb-queue', channelId: 'chat' });
    const cancelled = await rest.post('/routing/jobs/nb-job:cancel');
    expect(cancelled).toMatchObject({ status: 200, json: {} });
    expect((await rest.get<RouterJob>('/routing/jobs/nb-job')).json).toMatchObject({ status: 'cancelled', dispositionCode: 'Cancelled' });
  });
});

describe('classification over REST', () => {
  it('a job classified by its policy lands in the fallback queue, and :reclassify runs the policy again', async () => {
    await rest.patch('/routing/distributionPolicies/cl-policy', { offerExpiresAfterSeconds: 600, mode: { kind: 'longestIdle' } });
    await rest.patch('/routing/queues/cl-queue', { distributionPolicyId: 'cl-policy' });
    expect((await rest.patch('/routing/classificationPolicies/cl', { fallbackQueueId: 'cl-queue' })).status).toBe(201);
    expect((await rest.patch('/routing/jobs/cl-job', { classificationPolicyId: 'cl', channelId: 'chat' })).status).toBe(201);
    await expect.poll(async () => (await rest.get<RouterJob>('/routing/jobs/cl-job')).json.status).toBe('queued');
    expect((await rest.get<RouterJob>('/routing/jobs/cl-job')).json.queueId).toBe('cl-queue');

    expect(await rest.post('/routing/jobs/cl-job:reclassify', {})).toMatchObject({ status: 200, json: {} });
    expect((await rest.post('/routing/jobs/nobody:reclassify')).status).toBe(404);
  });
});

describe('versions and preconditions', () => {
  it('answers 201 then 200 with ETag and Last-Modified, the same headers on GET, and 412 for a stale If-Match', async () => {
    await rest.patch('/routing/distributionPolicies/v-policy', { offerExpiresAfterSeconds: 60, mode: { kind: 'roundRobin' } });
    const created = await rest.patch<RouterQueue>('/routing/queues/v-queue', { distributionPolicyId: 'v-policy' });
    expect(created.status).toBe(201);
    const etag = created.headers.get('etag');
    expect(etag).toBe(created.json.etag);
    const lastModified = created.headers.get('last-modified');
    expect(lastModified).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);

    const read = await rest.get('/routing/queues/v-queue');
    expect(read.headers.get('etag')).toBe(etag);
    expect(read.headers.get('last-modified')).toBe(lastModified);

    const updated = await rest.patch<RouterQueue>('/routing/queues/v-queue', { name: 'renamed' }, { headers: { 'if-match': etag! } });
    expect(updated.status).toBe(200);
    expect(updated.json.name).toBe('renamed');
    expect(updated.headers.get('etag')).not.toBe(etag);

    const stale = await rest.patch('/routing/queues/v-queue', { name: 'again' }, { headers: { 'if-match': etag! } });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('x-ms-error-code')).toBe('PreconditionFailed');
    expect((await rest.get<RouterQueue>('/routing/queues/v-queue')).json.name).toBe('renamed');

    const past = new Date(Date.parse(lastModified!) - 60_000).toUTCString();
    expect((await rest.patch('/routing/queues/v-queue', { name: 'x' }, { headers: { 'if-unmodified-since': past } })).status).toBe(412);
    const future = new Date(Date.now() + 60_000).toUTCString();
    expect((await rest.patch('/routing/queues/v-queue', { name: 'y' }, { headers: { 'if-unmodified-since': future } })).status).toBe(200);
  });

  it('accepts application/json for upserts and the preview api-version', async () => {
    const reply = await rest.send('PATCH', '/routing/distributionPolicies/json-policy', {
      raw: JSON.stringify({ offerExpiresAfterSeconds: 30, mode: { kind: 'bestWorker' } }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      apiVersion: '2024-01-18-preview',
    });
    expect(reply.status).toBe(201);
  });
});

describe('lists', () => {
  it('pages with maxpagesize and an absolute nextLink that repeats the query, until the last page has none', async () => {
    await rest.patch('/routing/distributionPolicies/page-policy', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
    for (const id of ['p1', 'p2', 'p3', 'p4', 'p5']) await rest.patch(`/routing/queues/page-${id}`, { distributionPolicyId: 'page-policy' });
    const seen: string[] = [];
    let page = await rest.get<{ value: RouterQueue[]; nextLink?: string }>('/routing/queues', { query: { maxpagesize: '2' } });
    let pages = 1;
    while (true) {
      expect(page.status).toBe(200);
      expect(page.json.value.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.value.map((queue) => queue.id));
      const next = page.json.nextLink;
      if (next === undefined) break;
      const link = new URL(next);
      expect(link.origin).toBe(server.url);
      expect(link.searchParams.get('api-version')).toBe('2023-11-01');
      expect(link.searchParams.get('maxpagesize')).toBe('2');
      page = await rest.send<{ value: RouterQueue[]; nextLink?: string }>('GET', link);
      pages++;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['page-p1', 'page-p2', 'page-p3', 'page-p4', 'page-p5']));
    expect(pages).toBe(Math.ceil(seen.length / 2));
  });

  it('links to the address the client connected to when its Host header is not a valid authority', async () => {
    // The JavaScript SDK sends the port twice on non-default ports; fetch cannot set Host, node:http can.
    const { hostname, port } = new URL(server.url);
    const link = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(
        { hostname, port, path: `/routing/queues?api-version=2023-11-01&maxpagesize=1`, headers: { host: `${hostname}:${port}:${port}` } },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve((JSON.parse(text) as { nextLink: string }).nextLink));
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(new URL(link).origin).toBe(server.url);
  });

  it('filters jobs by status and workers by state', async () => {
    await rest.patch('/routing/distributionPolicies/f-policy', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
    await rest.patch('/routing/queues/f-queue', { distributionPolicyId: 'f-policy' });
    await rest.patch('/routing/jobs/f-job', { queueId: 'f-queue', channelId: 'email' });
    const queued = await rest.get<{ value: RouterJob[] }>('/routing/jobs', { query: { status: 'queued', queueId: 'f-queue' } });
    expect(queued.json.value.map((job) => job.id)).toEqual(['f-job']);
    const closed = await rest.get<{ value: RouterJob[] }>('/routing/jobs', { query: { status: 'closed', queueId: 'f-queue' } });
    expect(closed.json.value).toEqual([]);

    await rest.patch('/routing/workers/f-inactive', { capacity: 1, queues: ['f-queue'], availableForOffers: false });
    const inactive = await rest.get<{ value: RouterWorker[] }>('/routing/workers', { query: { state: 'inactive', queueId: 'f-queue' } });
    expect(inactive.json.value.map((worker) => worker.id)).toEqual(['f-inactive']);
    const withRoom = await rest.get<{ value: RouterWorker[] }>('/routing/workers', { query: { hasCapacity: 'true', queueId: 'f-queue' } });
    expect(withRoom.json.value).toEqual([]);
  });
});

describe('health', () => {
  it('GET /healthz answers ok without api-version', async () => {
    const reply = await fetch(new URL('/healthz', server.url));
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ status: 'ok' });
  });
});
