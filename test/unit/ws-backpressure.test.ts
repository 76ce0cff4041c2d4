import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { WsGauges } from '../../src/observability/metrics.ts';
import { startInProcessServer, type InProcessServer } from '../e2e/support/ws-server.ts';

let server: InProcessServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Opens a raw connection and subscribes it to every event. */
async function subscriber(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  await once(socket, 'open');
  socket.send(JSON.stringify({ id: 1, op: 'subscribe', args: {} }));
  await once(socket, 'message');
  return socket;
}

/** Jobs whose events are ~64 KiB each (labels are copied into them), so little work fills the socket buffers. */
async function createBulkyJobs(started: InProcessServer, count: number): Promise<void> {
  const { router } = started;
  await router.upsertDistributionPolicy('d', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
  await router.upsertQueue('q', { distributionPolicyId: 'd' });
  const labels = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`label${i}`, 'x'.repeat(1024)]));
  for (let i = 0; i < count; i++) {
    await router.upsertJob(`j${i}`, { queueId: 'q', channelId: 'voice', labels });
    // Lets sockets drain between jobs, as a real server's I/O would.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('backpressure', () => {
  it('closes a consumer that stops reading with 4008 "consumer too slow" once the high-water mark is passed', async () => {
    server = await startInProcessServer({ highWaterMark: 256 * 1024 });
    const slow = await subscriber(server.wsUrl);
    const fast = await subscriber(server.wsUrl);
    let fastReceived = 0;
    fast.on('message', () => fastReceived++);
    slow.pause();

    await createBulkyJobs(server, 400);
    slow.resume();
    const [code, reason] = (await once(slow, 'close')) as [number, Buffer];

    expect(code).toBe(4008);
    expect(reason.toString()).toBe('consumer too slow');
    // A consumer that keeps up is not affected: it receives every event.
    await expect.poll(() => fastReceived).toBe(server.router.lastSequenceNumber);
    fast.close();
  });

  it('reports the bytes queued for a consumer that stops reading in the gauges /metrics reads, until it reads them', async () => {
    let gauges: () => WsGauges = () => ({ connections: -1, bufferedBytes: -1 });
    // A high-water mark it does not reach: the connection stays open throughout.
    server = await startInProcessServer({ highWaterMark: 64 * 1024 * 1024, metrics: { setWsSource: (read) => (gauges = read) } });
    const slow = await subscriber(server.wsUrl);
    slow.pause();

    await createBulkyJobs(server, 100);
    expect(gauges().connections).toBe(1);
    expect(gauges().bufferedBytes).toBeGreaterThan(0);

    slow.resume();
    await expect.poll(() => gauges().bufferedBytes).toBe(0);
    expect(gauges().connections).toBe(1);
    slow.close();
  });

  it('keeps a consumer that reads, however much it is sent', async () => {
    server = await startInProcessServer({ highWaterMark: 256 * 1024 });
    const reader = await subscriber(server.wsUrl);
    let received = 0;
    reader.on('message', () => received++);

    await createBulkyJobs(server, 100);

    await expect.poll(() => received).toBe(server.router.lastSequenceNumber);
    expect(reader.readyState).toBe(WebSocket.OPEN);
    reader.close();
  });
});
