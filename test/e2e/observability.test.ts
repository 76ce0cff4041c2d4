/**
 * What an operator sees of a real server: one JSON log line per request on stderr, request ids echoed, and
 * Prometheus metrics at /metrics for admin credentials, following the router's state.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restClient, type RestClient } from './support/rest-client.ts';
import { runCli, startServerProcess, type ServerProcess } from './support/server-process.ts';

const accessKey = randomBytes(32).toString('base64');
let server: ServerProcess;
let admin: RestClient;

beforeAll(async () => {
  server = await startServerProcess([], { SWITCHBOARD_ACCESS_KEY: accessKey });
  admin = restClient(server.url, { hmac: accessKey });
});

afterAll(async () => {
  await server.stop();
});

/** Every JSON line the server logged so far. */
function logLines(process: ServerProcess): Array<Record<string, unknown>> {
  return process
    .output()
    .stderr.split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The value of one sample of the exposition text, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('request log', () => {
  it('logs each request once, with operation, status, code, duration and ids, and echoes the client request id', async () => {
    const reply = await admin.get('/routing/queues/missing', { headers: { 'x-ms-client-request-id': 'trace-42' } });
    expect(reply.status).toBe(404);
    expect(reply.headers.get('x-ms-client-request-id')).toBe('trace-42');
    const requestId = reply.headers.get('x-ms-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

    await expect.poll(() => logLines(server).filter((line) => line['requestId'] === requestId), { timeout: 5000 }).toHaveLength(1);
    const line = logLines(server).find((candidate) => candidate['requestId'] === requestId)!;
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      method: 'GET',
      path: '/routing/queues/missing',
      operation: 'getQueue',
      status: 404,
      code: 'NotFound',
      clientRequestId: 'trace-42',
      client: '127.0.0.1',
    });
    expect(line['durationMs']).toBeGreaterThanOrEqual(0);
  });

  it('never echoes a client request id that is not a short printable token', async () => {
    const reply = await admin.get('/routing/queues', { headers: { 'x-ms-client-request-id': 'x'.repeat(200) } });
    expect(reply.headers.get('x-ms-client-request-id')).toBeNull();
  });

  it('--log-level warn keeps request lines out, and a bad level is a usage error', async () => {
    const quiet = await startServerProcess(['--log-level', 'warn']);
    try {
      expect((await restClient(quiet.url).get('/routing/queues')).status).toBe(200);
    } finally {
      expect(await quiet.stop()).toBe(0);
    }
    expect(logLines(quiet)).toEqual([]);
    const refused = await runCli(['serve', '--port', '0', '--log-level', 'loud']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--log-level must be one of');
  });
});

describe('/metrics', () => {
  it('is for admin credentials only', async () => {
    expect((await fetch(new URL('/metrics', server.url))).status).toBe(401);
    const token = await admin.post<{ token: string }>('/routing/workers/someone:issueToken', {});
    expect(token.status).toBe(200);
    expect((await restClient(server.url, { bearer: token.json.token }).get('/metrics')).status).toBe(403);
  });

  it('follows queues, jobs, workers, offers, assignments, requests and commits', async () => {
    await admin.patch('/routing/distributionPolicies/dp', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
    await admin.patch('/routing/queues/m', { distributionPolicyId: 'dp' });
    for (const jobId of ['m1', 'm2']) await admin.patch(`/routing/jobs/${jobId}`, { queueId: 'm', channelId: 'voice' });
    await admin.patch('/routing/workers/mw', { queues: ['m'], capacity: 1, channels: [{ channelId: 'voice', capacityCostPerJob: 1 }], availableForOffers: true });
    const worker = await admin.get<{ offers: Array<{ offerId: string }> }>('/routing/workers/mw');
    expect((await admin.post(`/routing/workers/mw/offers/${worker.json.offers[0]!.offerId}:accept`)).status).toBe(200);

    const response = await fetch(new URL('/metrics', server.url), { headers: { authorization: `Bearer ${accessKey}` } });
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'switchboard_queue_length{queue="m"}')).toBe(1);
    expect(sample(text, 'switchboard_queue_longest_wait_seconds{queue="m"}')).toBeGreaterThan(0);
    expect(sample(text, 'switchboard_jobs{status="assigned"}')).toBe(1);
    expect(sample(text, 'switchboard_jobs{status="queued"}')).toBe(1);
    expect(sample(text, 'switchboard_workers{state="active"}')).toBe(1);
    expect(sample(text, 'switchboard_offers_total{outcome="issued"}')).toBe(1);
    expect(sample(text, 'switchboard_offers_total{outcome="accepted"}')).toBe(1);
    expect(sample(text, 'switchboard_assignments_total')).toBe(1);
    expect(sample(text, 'switchboard_http_request_duration_seconds_count{operation="upsertJob",status="201"}')).toBe(2);
    expect(sample(text, 'switchboard_commit_duration_seconds_count')).toBeGreaterThan(0);
    expect(sample(text, 'switchboard_commit_batch_documents_count')).toBeGreaterThan(0);
    expect(sample(text, 'switchboard_ws_connections')).toBe(0);
    expect(text).toContain('switchboard_nodejs_eventloop_lag_seconds');
  });
});
