/**
 * The reconnecting client across a server's death: killed and restarted on the same address (SQLite), or replaced by
 * a standby on another (PostgreSQL). Its events subscription carries on from the last number it delivered — every
 * event once, in order, no gap — and calls made meanwhile wait for the new connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReconnectingClient } from '../../src/client/index.ts';
import type { RouterEvent } from '../../src/protocol/events.schemas.ts';
import { freePort } from '../support/free-port.ts';
import { postgresUnavailableReason, startPostgres } from '../support/postgres.ts';
import { restClient } from './support/rest-client.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';
import { wsUrlOf } from './support/ws-server.ts';

const unavailable = postgresUnavailableReason();
const cluster = unavailable ? undefined : await startPostgres();
afterAll(() => cluster?.stop());

async function createJobs(server: ServerProcess, ids: readonly string[]): Promise<void> {
  const rest = restClient(server.url);
  for (const id of ids) expect((await rest.patch(`/routing/jobs/${id}`, { queueId: 'q', channelId: 'voice' })).status).toBe(201);
}

async function createQueue(server: ServerProcess): Promise<void> {
  const rest = restClient(server.url);
  expect((await rest.patch('/routing/distributionPolicies/p', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } })).status).toBe(201);
  expect((await rest.patch('/routing/queues/q', { distributionPolicyId: 'p' })).status).toBe(201);
}

/** The server's feed from `from` up to the first event `last` accepts, read by a subscription of its own. */
async function feedFrom(server: ServerProcess, from: number, last: (event: RouterEvent) => boolean): Promise<number[]> {
  const reader = await ReconnectingClient.connect(wsUrlOf(server.url));
  const numbers: number[] = [];
  let done = false;
  await reader.subscribe({ fromSequence: from }, (event) => {
    if (done) return;
    numbers.push(event.sequenceNumber);
    done = last(event);
  });
  await expect.poll(() => done, { timeout: 10_000 }).toBe(true);
  await reader.close();
  return numbers;
}

/**
 * Subscribes through the client, lets `before` make events, kills the server and lets `replace` bring one back
 * (making events there too), then checks the subscription saw the whole feed once, in order.
 */
async function resumesAcross(urls: readonly string[], first: ServerProcess, replace: () => Promise<ServerProcess>): Promise<void> {
  const received: RouterEvent[] = [];
  const reconnectedTo: string[] = [];
  // Slow to come back, so that the new server makes events before the client is there to receive them live.
  const client = await ReconnectingClient.connect(urls, { onReconnect: (url) => reconnectedTo.push(url), retryInitialMs: 1000 });
  const subscription = await client.subscribe({}, (event) => received.push(event));
  const start = subscription.nextSequence!;
  await createQueue(first);
  await createJobs(first, ['a', 'b', 'c']);
  await first.stop('SIGKILL');
  // Asked while no server runs: answered once the client has reconnected.
  const during = client.call('upsertJob', { jobId: 'during', queueId: 'q', channelId: 'voice' });
  const next = await replace();
  let feed: number[];
  try {
    await createJobs(next, ['d', 'e']);
    expect((await during).id).toBe('during');
    const jobsQueued = new Set<unknown>();
    feed = await feedFrom(next, start, (event) => event.type === 'RouterJobQueued' && jobsQueued.add(event.data['jobId']).size === 6);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(feed.length);
  } finally {
    await client.close();
    await next.stop();
  }
  expect(reconnectedTo.length).toBeGreaterThanOrEqual(1);
  const numbers = received.map((event) => event.sequenceNumber);
  // The whole feed from where the subscription began, once each, in order: consecutive, as it is unfiltered.
  expect(numbers).toEqual(feed);
  expect(numbers).toEqual(numbers.map((_, i) => start + i));
  const jobs = received.filter((event) => event.type === 'RouterJobReceived').map((event) => String(event.data['jobId']));
  expect(jobs.slice(0, 3)).toEqual(['a', 'b', 'c']);
  expect(jobs.sort()).toEqual(['a', 'b', 'c', 'd', 'during', 'e']);
}

describe('the reconnecting client', () => {
  it('resumes its events subscription with no gap when the server is killed and restarted on the same address', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-reconnect-'));
    const port = String(await freePort());
    const serve = () => startServerProcess(['--store', 'sqlite', '--data-dir', dataDir, '--port', port]);
    try {
      const first = await serve();
      await resumesAcross([wsUrlOf(first.url)], first, serve);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.skipIf(cluster === undefined)('follows a standby that takes the database over, on its own address, with no gap', async () => {
    const url = await cluster!.createDatabase();
    const [ownerPort, standbyPort] = [String(await freePort()), String(await freePort())];
    const owner = await startServerProcess(['--store', url, '--port', ownerPort]);
    const standby = startServerProcess(['--store', url, '--standby', '--port', standbyPort]);
    const urls = [ownerPort, standbyPort].map((port) => `ws://127.0.0.1:${port}/ws`);
    await resumesAcross(urls, owner, () => standby);
  });
});
