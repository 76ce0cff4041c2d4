import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/auth/hmac.ts';
import type { RouterWorker } from '../../src/protocol/worker.schemas.ts';
import { call, restClient, urlOf, type Reply, type RestClient } from './support/rest-client.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';

const accessKey = randomBytes(32).toString('base64');
let server: ServerProcess;
let admin: RestClient;

beforeAll(async () => {
  server = await startServerProcess([], { SWITCHBOARD_ACCESS_KEY: accessKey });
  admin = restClient(server.url, { hmac: accessKey });
});
afterAll(async () => {
  expect(await server.stop()).toBe(0);
});

/** 401 says the same thing whatever went wrong. */
function expectUnauthorized(reply: Reply): void {
  expect(reply.status).toBe(401);
  expect(reply.headers.get('x-ms-error-code')).toBe('Unauthorized');
  expect(reply.json).toEqual({
    communicationError: {
      code: 'Unauthorized',
      message: 'the request is not authenticated',
      details: [{ code: 'Unauthorized', message: 'the request is not authenticated' }],
    },
  });
}

describe('a server with an access key', () => {
  it('says in its log line that requests must be authenticated', () => {
    expect(server.output().stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+; state in memory only \(lost when the server stops\); requests must be signed or carry a bearer token\n$/);
  });

  it('accepts HMAC-SHA256 signed requests, with and without a body', async () => {
    expect((await admin.patch('/routing/distributionPolicies/a-policy', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } })).status).toBe(201);
    expect((await admin.get('/routing/distributionPolicies/a-policy')).status).toBe(200);
  });

  it('accepts the access key as a bearer token', async () => {
    expect((await restClient(server.url, { bearer: accessKey }).get('/routing/distributionPolicies')).status).toBe(200);
  });

  it('refuses with 401, revealing nothing: no credential, a wrong key, a stale date, a body changed after signing, a bad token', async () => {
    expectUnauthorized(await restClient(server.url).get('/routing/queues'));
    expectUnauthorized(await restClient(server.url, { hmac: randomBytes(32).toString('base64') }).get('/routing/queues'));
    expectUnauthorized(await restClient(server.url, { bearer: 'not-the-key' }).get('/routing/queues'));

    const url = urlOf(server.url, '/routing/queues');
    const stale = signRequest({ method: 'GET', url, accessKey, date: new Date(Date.now() - 20 * 60 * 1000) });
    expectUnauthorized(await call(server.url, 'GET', url, { headers: stale }));

    const target = urlOf(server.url, '/routing/queues/tampered');
    const signed = signRequest({ method: 'PATCH', url: target, body: '{"name":"a"}', accessKey, date: new Date() });
    const tampered = await call(server.url, 'PATCH', target, {
      raw: '{"name":"b"}',
      headers: { ...signed, 'content-type': 'application/merge-patch+json' },
    });
    expectUnauthorized(tampered);
    expect((await admin.get('/routing/queues/tampered')).status).toBe(404);
  });

  it('checks credentials before routes, so unknown paths do not leak either', async () => {
    expectUnauthorized(await restClient(server.url).get('/routing/secret-route'));
  });

  it('keeps /healthz open', async () => {
    expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
  });
});

describe('worker tokens', () => {
  it('are issued to the admin only, and act only as their own worker (403 otherwise)', async () => {
    await admin.patch('/routing/queues/t-queue', { distributionPolicyId: 'a-policy' });
    for (const id of ['t-mine', 't-other']) await admin.patch(`/routing/workers/${id}`, { capacity: 1, queues: ['t-queue'] });

    const issued = await admin.post<{ token: string; expiresAt: string }>('/routing/workers/t-mine:issueToken', { expiresInSeconds: 600 });
    expect(issued.status).toBe(200);
    expect(Date.parse(issued.json.expiresAt)).toBeGreaterThan(Date.now() + 500_000);
    const worker = restClient(server.url, { bearer: issued.json.token });

    expect((await worker.get<RouterWorker>('/routing/workers/t-mine')).json.id).toBe('t-mine');
    // Authorized, then refused by the router: the offer does not exist.
    expect((await worker.post('/routing/workers/t-mine/offers/nope:accept')).status).toBe(404);

    for (const reply of [
      await worker.get('/routing/workers/t-other'),
      await worker.post('/routing/workers/t-other/offers/nope:accept'),
      await worker.post('/routing/workers/t-other/offers/nope:decline', {}),
      await worker.get('/routing/jobs'),
      await worker.patch('/routing/workers/t-mine', { capacity: 100 }),
      await worker.post('/routing/workers/t-mine:issueToken', {}),
    ]) {
      expect(reply.status).toBe(403);
      expect(reply.headers.get('x-ms-error-code')).toBe('Forbidden');
    }
    expect((await admin.get<RouterWorker>('/routing/workers/t-mine')).json.capacity).toBe(1);
  });

  it('may register and deregister their own worker with a body of availableForOffers only; any other field is 403', async () => {
    const issued = await admin.post<{ token: string }>('/routing/workers/t-mine:issueToken', { expiresInSeconds: 600 });
    const worker = restClient(server.url, { bearer: issued.json.token });
    const registered = await worker.patch<RouterWorker>('/routing/workers/t-mine', { availableForOffers: true });
    expect(registered).toMatchObject({ status: 200, json: { availableForOffers: true, state: 'active', capacity: 1 } });
    expect((await worker.patch<RouterWorker>('/routing/workers/t-mine', { availableForOffers: false })).json.state).toBe('inactive');

    for (const body of [{ availableForOffers: true, capacity: 100 }, { labels: { vip: true } }, { availableForOffers: true, queues: [] }]) {
      const refused = await worker.patch<{ communicationError: { target?: string } }>('/routing/workers/t-mine', body);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('x-ms-error-code')).toBe('Forbidden');
      expect(refused.json.communicationError.target).toBe(Object.keys(body).find((key) => key !== 'availableForOffers'));
    }
    expect((await worker.patch('/routing/workers/t-other', { availableForOffers: true })).status).toBe(403);
    expect((await admin.get<RouterWorker>('/routing/workers/t-mine')).json).toMatchObject({ capacity: 1, availableForOffers: false, labels: { Id: 't-mine' } });
  });

  it('stop working when they expire', async () => {
    const issued = await admin.post<{ token: string }>('/routing/workers/t-mine:issueToken', { expiresInSeconds: 1 });
    const worker = restClient(server.url, { bearer: issued.json.token });
    expect((await worker.get('/routing/workers/t-mine')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expectUnauthorized(await worker.get('/routing/workers/t-mine'));
  });
});
