/**
 * Azure fidelity over the wire, through a real server: what the Azure Job Router SDK sends and expects back.
 */
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { DistributionPolicy } from '../../src/protocol/distribution-policy.schemas.ts';
import type { RouterJob } from '../../src/protocol/job.schemas.ts';
import { restClient, type RestClient } from './support/rest-client.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';
import { wsUrlOf } from './support/ws-server.ts';

let server: ServerProcess;
let rest: RestClient;

beforeAll(async () => {
  server = await startServerProcess();
  rest = restClient(server.url);
  await rest.patch('/routing/distributionPolicies/fi-policy', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
  await rest.patch('/routing/queues/fi-queue', { distributionPolicyId: 'fi-policy' });
});
afterAll(async () => {
  expect(await server.stop()).toBe(0);
});

describe('Azure fidelity over REST', () => {
  it('regression: {priority: null, dispositionCode: null, channelReference: null} removes them (SDK "should update a job")', async () => {
    await rest.patch('/routing/jobs/fi-null', {
      queueId: 'fi-queue',
      channelId: 'voice',
      priority: 5,
      dispositionCode: 'Pending',
      channelReference: 'call-1',
    });
    const updated = await rest.patch<RouterJob>('/routing/jobs/fi-null', { priority: null, dispositionCode: null, channelReference: null });
    expect(updated.status).toBe(200);
    expect(updated.json.priority).toBe(1);
    expect(updated.json).not.toHaveProperty('dispositionCode');
    expect(updated.json).not.toHaveProperty('channelReference');
  });

  it('regression: a scheduleAndSuspend job is answered pendingSchedule, then reads scheduled', async () => {
    const scheduleAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await rest.patch<RouterJob>('/routing/jobs/fi-scheduled', {
      queueId: 'fi-queue',
      channelId: 'voice',
      matchingMode: { kind: 'scheduleAndSuspend', scheduleAt },
    });
    expect(created).toMatchObject({ status: 201, json: { status: 'pendingSchedule' } });
    expect((await rest.get<RouterJob>('/routing/jobs/fi-scheduled')).json.status).toBe('scheduled');
  });

  it('regression: a kebab-case kind (longest-idle) is accepted and answered camelCase', async () => {
    const created = await rest.patch<DistributionPolicy>('/routing/distributionPolicies/fi-kebab', { mode: { kind: 'longest-idle' } });
    expect(created).toMatchObject({ status: 201, json: { mode: { kind: 'longestIdle' } } });
    expect((await rest.get<DistributionPolicy>('/routing/distributionPolicies/fi-kebab')).json.mode?.kind).toBe('longestIdle');
  });
});

/** A GET sent with its path exactly as given: `fetch` would resolve `..` and backslashes before sending. */
function rawGet(path: string): Promise<{ status: number; body: { communicationError?: { code: string; target?: string } } }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port, path, method: 'GET' }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('paths and ids that a URL would resolve away', () => {
  beforeAll(async () => {
    await rest.patch('/routing/workers/x', { capacity: 1 });
  });

  const ambiguous = [
    '/routing/jobs/../workers/x',
    '/routing/jobs/%2e%2e/workers/x',
    '/routing/jobs/%2E%2e/workers/x',
    '/routing/jobs/.%2E/workers/x',
    '/routing/./workers/x',
    '/routing/%2E/workers/x',
    '/routing/workers/x/.',
    '/routing/workers\\x',
    '/routing/workers%5Cx',
    '/routing/workers%2fx',
    '/routing/workers%2Fx',
  ];
  for (const path of ambiguous)
    it(`regression: GET ${path} is refused with 400 (target path), never normalised`, async () => {
      const reply = await rawGet(`${path}?api-version=2023-11-01`);
      expect(reply.status).toBe(400);
      expect(reply.body.communicationError).toMatchObject({ code: 'BadRequest', target: 'path' });
    });

  it('the plain path still answers, and an id with dots inside is an id', async () => {
    expect((await rawGet('/routing/workers/x?api-version=2023-11-01')).status).toBe(200);
    expect((await rest.patch('/routing/workers/a..b', { capacity: 1 })).status).toBe(201);
  });

  it('regression: ids "." and ".." are refused over WebSocket too', async () => {
    const socket = new WebSocket(wsUrlOf(server.url));
    await once(socket, 'open');
    for (const [id, workerId] of [[1, '.'], [2, '..']] as const) {
      socket.send(JSON.stringify({ id, op: 'upsertWorker', args: { workerId, capacity: 1 } }));
      const [data] = (await once(socket, 'message')) as [Buffer];
      expect(JSON.parse(data.toString())).toMatchObject({ id, ok: false, error: { code: 'InvalidRequest', target: 'workerId' } });
    }
    socket.close();
  });
});

describe('__proto__ keys on the wire', () => {
  it('regression: a label named __proto__ is 400 over REST, not a silent 201', async () => {
    const reply = await rest.send('PATCH', '/routing/jobs/fi-proto', {
      raw: '{"queueId": "fi-queue", "channelId": "voice", "labels": {"__proto__": "x"}}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ communicationError: { code: 'BadRequest', target: 'labels.__proto__' } });
    expect((await rest.get('/routing/jobs/fi-proto')).status).toBe(404);
  });

  it('regression: and over WebSocket', async () => {
    const socket = new WebSocket(wsUrlOf(server.url));
    await once(socket, 'open');
    socket.send('{"id": 1, "op": "upsertWorker", "args": {"workerId": "fi-proto", "tags": {"__proto__": "x"}}}');
    const [data] = (await once(socket, 'message')) as [Buffer];
    expect(JSON.parse(data.toString())).toMatchObject({ id: 1, ok: false, error: { code: 'InvalidRequest', target: 'tags.__proto__' } });
    socket.close();
  });
});
