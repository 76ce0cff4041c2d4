import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openRaw, requestHead, untilRefused } from './support/raw-http.ts';
import { API_VERSION, restClient } from './support/rest-client.ts';
import { startServerProcess } from './support/server-process.ts';
import { wsUrlOf } from './support/ws-server.ts';

const root = mkdtempSync(join(tmpdir(), 'switchboard-drain-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const WS_CONNECTIONS = 4;
const WS_REQUESTS_EACH = 64;
const REST_WRITES = 32;
const SHUTDOWN_TIMEOUT_S = 10;

interface Outcome {
  readonly queueId: string;
  /** `ok` when acknowledged; otherwise the error code. */
  readonly answer: string;
}

/** A PATCH of queue `queueId` over a kept-alive agent; resolves with the status and error code, or rejects on a reset. */
function patchQueue(url: string, agent: Agent, queueId: string): Promise<Outcome & { connection: string | undefined }> {
  const body = JSON.stringify({ name: queueId });
  return new Promise((resolve, reject) => {
    const sent = request(
      new URL(`/routing/queues/${queueId}?api-version=${API_VERSION}`, url),
      { method: 'PATCH', agent, headers: { 'content-type': 'application/merge-patch+json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({
            queueId,
            answer: response.statusCode === 201 ? 'ok' : String(response.headers['x-ms-error-code']),
            connection: response.headers.connection,
          }),
        );
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

/** Opens a WebSocket that records every answer by id, and the close code. */
async function wsClient(url: string) {
  const socket = new WebSocket(url);
  await once(socket, 'open');
  const answers = new Map<string, string>();
  socket.on('message', (data: Buffer) => {
    const answer = JSON.parse(data.toString()) as { id: string; ok: boolean; error?: { code: string } };
    answers.set(answer.id, answer.ok ? 'ok' : answer.error!.code);
  });
  const closed = once(socket, 'close').then(([code]) => ({ code: code as number, answersAtClose: answers.size }));
  return { socket, answers, closed };
}

describe('graceful shutdown', () => {
  it('answers every request received before SIGTERM, refuses later ones with ShuttingDown, exits 0, and keeps every acknowledged write', async () => {
    const dataDir = join(root, 'drained');
    const server = await startServerProcess(['--store', 'sqlite', '--data-dir', dataDir, '--shutdown-timeout', String(SHUTDOWN_TIMEOUT_S)]);
    const exited = once(server.child, 'exit') as Promise<[number | null]>;

    // REST: 32 connections kept alive and warmed up, so the writes go over open connections, not new ones.
    const agent = new Agent({ keepAlive: true, maxSockets: REST_WRITES });
    await Promise.all(Array.from({ length: REST_WRITES }, () => patchQueue(server.url, agent, 'warm-up')));
    // A connection that has answered once and stays idle, for a request sent after the shutdown began.
    const idle = await openRaw(server.url);
    idle.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    expect((await idle.reply()).status).toBe(200);
    // A write whose body is still arriving when the signal comes: it is in flight, so it must be answered.
    const slowBody = JSON.stringify({ name: 'slow' });
    const slow = await openRaw(server.url);
    slow.write(requestHead('PATCH', `/routing/queues/slow?api-version=${API_VERSION}`, slowBody.length) + slowBody.slice(0, 5));
    const sockets = await Promise.all(Array.from({ length: WS_CONNECTIONS }, () => wsClient(wsUrlOf(server.url))));

    for (const [c, { socket }] of sockets.entries())
      for (let i = 0; i < WS_REQUESTS_EACH; i++)
        socket.send(JSON.stringify({ id: `ws-${c}-${i}`, op: 'upsertQueue', args: { queueId: `ws-${c}-${i}`, name: 'x' } }));
    const writes = Array.from({ length: REST_WRITES }, (_, i) => patchQueue(server.url, agent, `rest-${i}`));
    const signalledAt = performance.now();
    server.child.kill('SIGTERM');

    // The listening socket closes first; the kept-alive connection is still served, with a refusal.
    await untilRefused(server.url);
    idle.write(requestHead('PATCH', `/routing/queues/late?api-version=${API_VERSION}`, 2) + '{}');
    const late = await idle.reply();
    expect(late).toMatchObject({ status: 503, headers: { 'x-ms-error-code': 'ShuttingDown', connection: 'close' } });
    expect(JSON.parse(late.body)).toMatchObject({ communicationError: { code: 'ServiceUnavailable', details: [{ code: 'ShuttingDown' }] } });

    slow.write(slowBody.slice(5));
    expect(await slow.reply()).toMatchObject({ status: 201, headers: { connection: 'close' } });

    // Every REST write is answered, none reset: acknowledged, or refused because it arrived after the signal.
    const rest = await Promise.all(writes);
    for (const write of rest) expect(['ok', 'ShuttingDown']).toContain(write.answer);
    expect(rest.every((write) => write.connection === 'close')).toBe(true);
    // Every WebSocket request is answered before the connection closes with 1001.
    for (const { answers, closed } of sockets) {
      expect(await closed).toEqual({ code: 1001, answersAtClose: WS_REQUESTS_EACH });
      for (const answer of answers.values()) expect(['ok', 'ShuttingDown']).toContain(answer);
    }
    const [code] = await exited;
    expect(code).toBe(0);
    expect(performance.now() - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_S * 1000);
    // The log has no fault in it, and says the shutdown ended cleanly.
    const logged = server.output().stderr.trim().split('\n').map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(logged.filter((line) => line.level !== 'info')).toEqual([]);
    expect(logged.at(-1)?.msg).toBe('stopped');
    agent.destroy();

    // After a restart on the same data: every acknowledged write is there, and nothing refused was applied.
    const outcomes: Outcome[] = [
      ...rest,
      ...sockets.flatMap(({ answers }) => [...answers].map(([queueId, answer]) => ({ queueId, answer }))),
      { queueId: 'slow', answer: 'ok' },
      { queueId: 'late', answer: 'ShuttingDown' },
    ];
    const again = await startServerProcess(['--store', 'sqlite', '--data-dir', dataDir]);
    const client = restClient(again.url);
    const stored = await Promise.all(outcomes.map(async ({ queueId }) => (await client.get(`/routing/queues/${queueId}`)).status));
    expect(outcomes.filter((outcome, i) => (outcome.answer === 'ok') !== (stored[i] === 200))).toEqual([]);
    expect(await again.stop()).toBe(0);
  });

  it('past --shutdown-timeout, closes forcibly and exits 1 saying what was left unanswered', async () => {
    const server = await startServerProcess(['--shutdown-timeout', '1']);
    const stuck = await openRaw(server.url);
    stuck.write(requestHead('PATCH', `/routing/queues/stuck?api-version=${API_VERSION}`, 100) + '{');
    // The request must have reached the server before the signal.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const signalledAt = performance.now();
    const code = await server.stop('SIGTERM');
    const elapsed = performance.now() - signalledAt;
    expect(code).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(4000);
    expect(server.output().stderr).toMatch(/shutdown did not finish within 1 s; closed forcibly with 1 REST and 0 WebSocket requests unanswered/);
  });
});
