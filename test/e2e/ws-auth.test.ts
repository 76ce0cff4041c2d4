import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SwitchboardClient } from '../../src/client/index.ts';
import { createQueue, createWorker } from './support/ws-fixtures.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';
import { refusedUpgradeStatus, wsUrlOf } from './support/ws-server.ts';

const ACCESS_KEY = randomBytes(32).toString('base64');
let server: ServerProcess;
let wsUrl: string;
let admin: SwitchboardClient;
let workerToken: string;

beforeAll(async () => {
  server = await startServerProcess([], { SWITCHBOARD_ACCESS_KEY: ACCESS_KEY });
  wsUrl = wsUrlOf(server.url);
  admin = await SwitchboardClient.connect(wsUrl, { token: ACCESS_KEY });
  await createQueue(admin, 'q');
  await createWorker(admin, 'w1', 'q');
  await createWorker(admin, 'w2', 'q');
  ({ token: workerToken } = await admin.call('issueWorkerToken', { workerId: 'w1' }));
});

afterAll(async () => {
  await admin?.close();
  await server?.stop();
});

describe('WebSocket authentication with an access key', () => {
  it('refuses the upgrade with 401 without a token or with a wrong one', async () => {
    expect(await refusedUpgradeStatus(wsUrl)).toBe(401);
    expect(await refusedUpgradeStatus(wsUrl, { authorization: 'Bearer not-the-key' })).toBe(401);
    expect(await refusedUpgradeStatus(`${wsUrl}?access_token=${encodeURIComponent(randomBytes(32).toString('base64'))}`)).toBe(401);
    await expect(SwitchboardClient.connect(wsUrl, { token: 'wrong' })).rejects.toMatchObject({ code: 'Unauthorized' });
  });

  it('accepts the key as ?access_token=', async () => {
    const socket = new WebSocket(`${wsUrl}?access_token=${encodeURIComponent(ACCESS_KEY)}`);
    await once(socket, 'open');
    socket.send(JSON.stringify({ id: 1, op: 'getWorker', args: { workerId: 'w1' } }));
    const [data] = (await once(socket, 'message')) as [Buffer];
    expect(JSON.parse(data.toString())).toMatchObject({ id: 1, ok: true, result: { id: 'w1' } });
    socket.close();
  });
});

describe('a worker token', () => {
  it('may attach, read, and take offers as its own worker', async () => {
    const worker = await SwitchboardClient.connect(wsUrl, { token: workerToken });
    const offers: string[] = [];
    await worker.attachWorker('w1', (event) => offers.push(String(event.data['offerId'])));
    await admin.call('upsertJob', { jobId: 'j1', queueId: 'q', channelId: 'voice', requestedWorkerSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'w1' }] });
    await expect.poll(() => offers.length).toBe(1);
    await expect(worker.call('acceptJobOffer', { workerId: 'w1', offerId: offers[0]! })).resolves.toMatchObject({ jobId: 'j1' });
    await expect(worker.call('getWorker', { workerId: 'w1' })).resolves.toMatchObject({ assignedJobs: [expect.objectContaining({ jobId: 'j1' })] });
    await worker.close();
  });

  it('is refused with Forbidden for another worker and for anything but its own offers', async () => {
    const worker = await SwitchboardClient.connect(wsUrl, { token: workerToken });
    await expect(worker.attachWorker('w2', () => undefined)).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(worker.call('getWorker', { workerId: 'w2' })).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(worker.call('acceptJobOffer', { workerId: 'w2', offerId: 'o' })).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(worker.call('upsertJob', { jobId: 'j2', queueId: 'q', channelId: 'voice' })).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(worker.subscribe({}, () => undefined)).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(admin.call('getJob', { jobId: 'j2' })).rejects.toMatchObject({ code: 'NotFound' });
    await worker.close();
  });
});

describe('a worker token registering itself', () => {
  it('regression: a worker deregistered on disconnect comes back by itself: upsertWorker with availableForOffers only', async () => {
    const worker = await SwitchboardClient.connect(wsUrl, { token: workerToken });
    await expect(worker.call('upsertWorker', { workerId: 'w1', availableForOffers: false })).resolves.toMatchObject({ state: expect.stringMatching(/inactive|draining/) });
    await expect(worker.call('upsertWorker', { workerId: 'w1', availableForOffers: true })).resolves.toMatchObject({ state: 'active' });
    await expect(worker.call('upsertWorker', { workerId: 'w1', availableForOffers: true, capacity: 9 })).rejects.toMatchObject({ code: 'Forbidden', target: 'capacity' });
    await expect(worker.call('upsertWorker', { workerId: 'w2', availableForOffers: false })).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(admin.call('getWorker', { workerId: 'w1' })).resolves.toMatchObject({ capacity: 1, availableForOffers: true });
    await worker.close();
  });
});

describe('a worker token on an open connection', () => {
  it('regression: a 1 s token is cut off when it expires: closed with 4001, its session detached', async () => {
    await createWorker(admin, 'w3', 'q');
    const { token } = await admin.call('issueWorkerToken', { workerId: 'w3', expiresInSeconds: 1 });
    const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
    const closed = once(socket, 'close') as Promise<[number, Buffer]>;
    await once(socket, 'open');
    const opened = Date.now();
    socket.send(JSON.stringify({ id: 1, op: 'attachWorker', args: { workerId: 'w3', deregisterOnDisconnect: true, graceSeconds: 0 } }));
    const [answer] = (await once(socket, 'message')) as [Buffer];
    expect(JSON.parse(answer.toString())).toMatchObject({ id: 1, ok: true });

    const [code, reason] = await closed;
    expect({ code, reason: reason.toString() }).toEqual({ code: 4001, reason: 'token expired' });
    expect(Date.now() - opened).toBeLessThan(2_000);
    // Its session was detached like any other: the worker deregistered once the grace period (0 s) passed.
    await expect.poll(async () => (await admin.call('getWorker', { workerId: 'w3' })).availableForOffers).toBe(false);
  });
});
