import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Router } from '../../src/router.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { startInProcessServer, type InProcessServer } from '../e2e/support/ws-server.ts';

let server: InProcessServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** A raw connection that records every message it receives, in order. */
async function recorder(url: string): Promise<{ socket: WebSocket; messages: Array<Record<string, unknown>> }> {
  const socket = new WebSocket(url);
  const messages: Array<Record<string, unknown>> = [];
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await once(socket, 'open');
  return { socket, messages };
}

async function routing(router: Router): Promise<void> {
  await router.upsertDistributionPolicy('d', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
  await router.upsertQueue('q', { distributionPolicyId: 'd' });
  await router.upsertWorker('w', { queues: ['q'], capacity: 10, channels: [{ channelId: 'voice', capacityCostPerJob: 1 }], availableForOffers: true });
}

describe('subscribe', () => {
  it('answers before the first replayed event, which then follow in order without gaps', async () => {
    server = await startInProcessServer();
    await routing(server.router);
    for (let i = 0; i < 20; i++) await server.router.upsertJob(`j${i}`, { queueId: 'q', channelId: 'voice' });
    const last = server.router.lastSequenceNumber;
    const { socket, messages } = await recorder(server.wsUrl);

    socket.send(JSON.stringify({ id: 1, op: 'subscribe', args: { fromSequence: 1 } }));
    await expect.poll(() => messages.length).toBe(last + 1);

    expect(messages[0]).toEqual({ id: 1, ok: true, result: { subscriptionId: 's1', nextSequence: 1 } });
    const numbers = messages.slice(1).map((message) => (message['event'] as { sequenceNumber: number }).sequenceNumber);
    expect(numbers).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    socket.close();
  });

  it('answers a live subscription with the next number to be published, which is its first event', async () => {
    server = await startInProcessServer();
    await routing(server.router);
    const head = server.router.lastSequenceNumber;
    const { socket, messages } = await recorder(server.wsUrl);

    socket.send(JSON.stringify({ id: 1, op: 'subscribe', args: {} }));
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0]).toEqual({ id: 1, ok: true, result: { subscriptionId: 's1', nextSequence: head + 1 } });
    await server.router.upsertJob('j', { queueId: 'q', channelId: 'voice' });
    await expect.poll(() => messages.length).toBeGreaterThan(1);
    expect((messages[1]!['event'] as { sequenceNumber: number }).sequenceNumber).toBe(head + 1);
    socket.close();
  });

  it('refuses a sequence number older than the retained history with EventsNoLongerAvailable', async () => {
    server = await startInProcessServer({ router: await Router.open({ store: new MemoryStore({ eventRetention: 5 }) }) });
    await routing(server.router);
    for (let i = 0; i < 5; i++) await server.router.upsertJob(`j${i}`, { queueId: 'q', channelId: 'voice' });
    const { socket, messages } = await recorder(server.wsUrl);

    socket.send(JSON.stringify({ id: 1, op: 'subscribe', args: { fromSequence: 1 } }));
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0]).toMatchObject({ id: 1, ok: false, error: { code: 'EventsNoLongerAvailable', target: 'fromSequence' } });
    socket.close();
  });

  it('refuses a sequence number beyond the next one with SequenceBeyondHead, and serves the next one when it comes', async () => {
    server = await startInProcessServer();
    await routing(server.router);
    const next = server.router.lastSequenceNumber + 1;
    const { socket, messages } = await recorder(server.wsUrl);

    socket.send(JSON.stringify({ id: 1, op: 'subscribe', args: { fromSequence: next + 1 } }));
    socket.send(JSON.stringify({ id: 2, op: 'subscribe', args: { fromSequence: next } }));
    await expect.poll(() => messages.length).toBe(2);
    expect(messages[0]).toMatchObject({ id: 1, ok: false, error: { code: 'SequenceBeyondHead', target: 'fromSequence' } });
    expect(messages[1]).toMatchObject({ id: 2, ok: true });

    await server.router.upsertJob('j', { queueId: 'q', channelId: 'voice' });
    await expect.poll(() => messages.length).toBeGreaterThan(2);
    expect(messages[2]).toMatchObject({ type: 'event', event: { sequenceNumber: next } });
    socket.close();
  });

  it('answers an unknown subscription id with NotFound', async () => {
    server = await startInProcessServer();
    const { socket, messages } = await recorder(server.wsUrl);
    socket.send(JSON.stringify({ id: 1, op: 'unsubscribe', args: { subscriptionId: 's9' } }));
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0]).toMatchObject({ id: 1, ok: false, error: { code: 'NotFound', target: 'subscriptionId' } });
    socket.close();
  });
});

describe('attachWorker', () => {
  it('answers with the live offers before pushing later ones, to every session of the worker', async () => {
    server = await startInProcessServer();
    await routing(server.router);
    await server.router.upsertJob('before', { queueId: 'q', channelId: 'voice' });
    const first = await recorder(server.wsUrl);
    const second = await recorder(server.wsUrl);

    for (const { socket } of [first, second]) socket.send(JSON.stringify({ id: 1, op: 'attachWorker', args: { workerId: 'w' } }));
    await expect.poll(() => first.messages.length + second.messages.length).toBe(2);
    await server.router.upsertJob('after', { queueId: 'q', channelId: 'voice' });

    for (const { socket, messages } of [first, second]) {
      await expect.poll(() => messages.length).toBe(2);
      expect(messages[0]).toMatchObject({ id: 1, ok: true, result: { workerId: 'w', offers: [{ jobId: 'before' }] } });
      expect(messages[1]).toMatchObject({ type: 'offer', workerId: 'w', event: { type: 'RouterWorkerOfferIssued', data: { jobId: 'after' } } });
      socket.close();
    }
  });
});
