/**
 * What an operator sees of a real server: one JSON log line per request and two per WebSocket connection on stderr,
 * request ids echoed, and Prometheus metrics at /metrics for admin credentials, following the router's state.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { restClient, type RestClient } from './support/rest-client.ts';
import { wsUrlOf } from './support/ws-server.ts';
import { logLines, runCli, startServerProcess, type ServerProcess } from './support/server-process.ts';

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

describe('WebSocket connections', () => {
  /** The current value of a series on /metrics. */
  const scrape = async (series: string) =>
    sample(await (await fetch(new URL('/metrics', server.url), { headers: { authorization: `Bearer ${accessKey}` } })).text(), series);
  /** The lines logged for one connection, found by a field of its opening line. */
  const linesOf = (field: string, value: unknown) => {
    const opened = logLines(server).find((line) => line['msg'] === 'ws connect' && line[field] === value);
    return logLines(server).filter((line) => opened !== undefined && line['connectionId'] === opened['connectionId']);
  };
  const open = async (url: string, headers: Record<string, string> = {}) => {
    const socket = new WebSocket(url, { headers });
    await once(socket, 'open');
    return socket;
  };

  it('counts open connections and their buffered bytes in /metrics, and logs each opening and closing at info', async () => {
    const adminWsUrl = `${wsUrlOf(server.url)}?access_token=${encodeURIComponent(accessKey)}`;
    const first = await open(adminWsUrl, { 'x-ms-client-request-id': 'ws-trace-1' });
    const second = await open(adminWsUrl, { 'x-ms-client-request-id': 'ws-trace-2' });
    expect(await scrape('switchboard_ws_connections')).toBe(2);
    expect(await scrape('switchboard_ws_buffered_bytes')).toBeGreaterThanOrEqual(0);

    const answered = once(first, 'message');
    first.send(JSON.stringify({ id: 1, op: 'getQueue', args: { queueId: 'absent' } }));
    await answered;
    first.close(1000, 'done');
    await expect.poll(() => scrape('switchboard_ws_connections'), { timeout: 5000 }).toBe(1);
    await expect.poll(() => linesOf('clientRequestId', 'ws-trace-1'), { timeout: 5000 }).toHaveLength(2);
    const [connect, disconnect] = linesOf('clientRequestId', 'ws-trace-1');
    expect(connect).toMatchObject({ level: 'info', msg: 'ws connect', client: '127.0.0.1', auth: 'admin' });
    expect(connect!['connectionId']).toMatch(/^[0-9a-f-]{36}$/);
    expect(disconnect).toMatchObject({
      level: 'info',
      msg: 'ws disconnect',
      client: '127.0.0.1',
      auth: 'admin',
      closeCode: 1000,
      reason: 'done',
      closedBy: 'client',
      messagesReceived: 1,
      messagesSent: 1,
    });
    expect(disconnect!['durationMs']).toBeGreaterThan(0);

    // A close without a code is as normal; and the key that opened both connections is in no line.
    second.close();
    await expect.poll(() => linesOf('clientRequestId', 'ws-trace-2').at(1), { timeout: 5000 }).toMatchObject({ level: 'info', closeCode: 1005 });
    expect(await scrape('switchboard_ws_connections')).toBe(0);
    expect(server.output().stderr).not.toContain(accessKey);
  });

  it('logs a worker token cut off at expiry at warn, with close code 4001 and the worker, and never the token', async () => {
    const issued = await admin.post<{ token: string }>('/routing/workers/log-worker:issueToken', { expiresInSeconds: 1 });
    const socket = await open(wsUrlOf(server.url), { authorization: `Bearer ${issued.json.token}` });
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(4001);

    await expect.poll(() => linesOf('workerId', 'log-worker'), { timeout: 5000 }).toHaveLength(2);
    const [connect, disconnect] = linesOf('workerId', 'log-worker');
    expect(connect).toMatchObject({ level: 'info', msg: 'ws connect', auth: 'worker', workerId: 'log-worker' });
    expect(disconnect).toMatchObject({
      level: 'warn',
      msg: 'ws disconnect',
      auth: 'worker',
      workerId: 'log-worker',
      closeCode: 4001,
      reason: 'token expired',
      closedBy: 'server',
      messagesReceived: 0,
      messagesSent: 0,
    });
    expect(disconnect!['durationMs']).toBeGreaterThanOrEqual(900);
    expect(server.output().stderr).not.toContain(issued.json.token);
  });

  it("logs a connection closed for an oversized message at warn, with ws's error code", async () => {
    const socket = await open(`${wsUrlOf(server.url)}?access_token=${encodeURIComponent(accessKey)}`, { 'x-ms-client-request-id': 'ws-oversize' });
    socket.send('x'.repeat(1024 * 1024 + 1));
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(1009);
    await expect.poll(() => linesOf('clientRequestId', 'ws-oversize').at(1), { timeout: 5000 }).toMatchObject({
      level: 'warn',
      msg: 'ws disconnect',
      closeCode: 1009,
      closedBy: 'server',
      code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
    });
  });
});
