import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SwitchboardClient, type OfferEvent, type Transition } from '../../src/client/index.ts';
import type { RouterEvent } from '../../src/protocol/events.schemas.ts';
import { createQueue, createWorker } from './support/ws-fixtures.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';
import { wsUrlOf } from './support/ws-server.ts';

let server: ServerProcess;
let wsUrl: string;
let admin: SwitchboardClient;
const clients: SwitchboardClient[] = [];

async function connect(): Promise<SwitchboardClient> {
  const client = await SwitchboardClient.connect(wsUrl);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  server = await startServerProcess();
  wsUrl = wsUrlOf(server.url);
  admin = await connect();
  await createQueue(admin, 'q');
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await server?.stop();
});

describe('the job lifecycle over WebSocket', () => {
  it('pushes the offer to the attached worker, which accepts; the job is completed and closed', async () => {
    await createWorker(admin, 'life-w', 'q');
    const worker = await connect();
    const offers: OfferEvent[] = [];
    const attached = await worker.attachWorker('life-w', (event) => offers.push(event));
    expect(attached).toEqual({ workerId: 'life-w', offers: [] });

    await admin.call('upsertJob', { jobId: 'life-j', queueId: 'q', channelId: 'voice' });
    await vi.waitFor(() => expect(offers.map((offer) => offer.type)).toEqual(['RouterWorkerOfferIssued']));
    const issued = offers[0]!;
    expect(issued.data).toMatchObject({ workerId: 'life-w', jobId: 'life-j' });

    const accepted = await worker.call('acceptJobOffer', { workerId: 'life-w', offerId: String(issued.data['offerId']) });
    expect(accepted).toMatchObject({ jobId: 'life-j', workerId: 'life-w' });
    await admin.call('completeJob', { jobId: 'life-j', assignmentId: accepted.assignmentId });
    await admin.call('closeJob', { jobId: 'life-j', assignmentId: accepted.assignmentId, dispositionCode: 'done' });
    expect((await admin.call('getJob', { jobId: 'life-j' })).status).toBe('closed');
  });

  it('returns the offers already live when a worker attaches late', async () => {
    await createWorker(admin, 'late-w', 'q');
    await admin.call('upsertJob', { jobId: 'late-j', queueId: 'q', channelId: 'voice', requestedWorkerSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'late-w' }] });
    await vi.waitFor(async () => expect((await admin.call('getWorker', { workerId: 'late-w' })).offers).toHaveLength(1));

    const worker = await connect();
    const attached = await worker.attachWorker('late-w', () => undefined);
    expect(attached.offers).toEqual([expect.objectContaining({ jobId: 'late-j' })]);
  });

  it('answers a refused operation with the catalogue code and target', async () => {
    await expect(admin.call('getJob', { jobId: 'no-such-job' })).rejects.toMatchObject({ code: 'NotFound' });
    await expect(admin.attachWorker('no-such-worker', () => undefined)).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe('the event feed', () => {
  it('replays from a sequence number with no gaps, then continues live', async () => {
    const live: RouterEvent[] = [];
    await (await connect()).subscribe({}, (event) => live.push(event));
    await admin.call('upsertJob', { jobId: 'feed-1', queueId: 'q', channelId: 'voice' });
    await admin.call('cancelJob', { jobId: 'feed-1' });
    await vi.waitFor(() => expect(live.map((event) => event.type)).toContain('RouterJobCancelled'));

    const from = live[0]!.sequenceNumber;
    const replayed: RouterEvent[] = [];
    await (await connect()).subscribe({ fromSequence: from }, (event) => replayed.push(event));
    await admin.call('upsertJob', { jobId: 'feed-2', queueId: 'q', channelId: 'voice' });
    await vi.waitFor(() => expect(replayed.some((event) => event.data['jobId'] === 'feed-2')).toBe(true));

    const numbers = replayed.map((event) => event.sequenceNumber);
    expect(numbers).toEqual(numbers.map((_, i) => from + i));
    expect(replayed.slice(0, live.length)).toEqual(live);
  });

  it('filters by event type and job', async () => {
    const seen: RouterEvent[] = [];
    await (await connect()).subscribe({ types: ['RouterJobCancelled'], jobId: 'filter-1' }, (event) => seen.push(event));
    for (const jobId of ['filter-1', 'filter-2']) {
      await admin.call('upsertJob', { jobId, queueId: 'q', channelId: 'voice' });
      await admin.call('cancelJob', { jobId });
    }
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toMatchObject({ type: 'RouterJobCancelled', data: { jobId: 'filter-1' } });
  });

  it('stops pushing after unsubscribe', async () => {
    const seen: RouterEvent[] = [];
    const subscription = await (await connect()).subscribe({ jobId: 'unsub-1' }, (event) => seen.push(event));
    await subscription.unsubscribe();
    await admin.call('upsertJob', { jobId: 'unsub-1', queueId: 'q', channelId: 'voice' });
    await admin.call('cancelJob', { jobId: 'unsub-1' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual([]);
  });
});

describe('the transitions stream', () => {
  it('pushes every state change of the job, offer and worker actors', async () => {
    const transitions: Transition[] = [];
    await (await connect()).subscribeTransitions((transition) => transitions.push(transition));
    await createWorker(admin, 'tr-w', 'q');
    await admin.call('upsertJob', { jobId: 'tr-j', queueId: 'q', channelId: 'voice', requestedWorkerSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'tr-w' }] });
    await vi.waitFor(() => expect(transitions.some((t) => t.actor.kind === 'offer' && t.to === 'issued')).toBe(true));

    const job = transitions.filter((t) => t.actor.kind === 'job' && t.actor.id === 'tr-j');
    expect(job[0]).toMatchObject({ from: null, to: 'created' });
    expect(job.map((t) => t.to)).toContain('queued');
    expect(transitions.some((t) => t.actor.kind === 'worker' && t.actor.id === 'tr-w')).toBe(true);
  });
});

describe('a worker session tied to availability', () => {
  it('deregisters the worker once the grace period after its connection drops has passed', async () => {
    await createWorker(admin, 'grace-w', 'q');
    const session = await connect();
    await session.attachWorker('grace-w', () => undefined, { deregisterOnDisconnect: true, graceSeconds: 0.2 });
    await session.close();

    expect((await admin.call('getWorker', { workerId: 'grace-w' })).availableForOffers).toBe(true);
    await vi.waitFor(async () => expect((await admin.call('getWorker', { workerId: 'grace-w' })).availableForOffers).toBe(false));
  });

  it('keeps the worker when a new session attaches within the grace period', async () => {
    await createWorker(admin, 'back-w', 'q');
    const first = await connect();
    await first.attachWorker('back-w', () => undefined, { deregisterOnDisconnect: true, graceSeconds: 0.3 });
    await first.close();
    await (await connect()).attachWorker('back-w', () => undefined);

    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await admin.call('getWorker', { workerId: 'back-w' })).availableForOffers).toBe(true);
  });
});
