/**
 * Clients that flood the WebSocket must not take the server from everyone else: malformed messages cost budget like
 * requests, a client that ignores throttling is closed, and while several connections send as fast as they can, HTTP
 * probes, another client's requests and a SIGTERM are still served.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { THROTTLED_BEFORE_CLOSE } from '../../src/gateway/rate-limit.ts';
import { WS_CLOSE_CODES } from '../../src/gateway/ws/close-codes.ts';
import { startServerProcess } from './support/server-process.ts';
import { wsUrlOf } from './support/ws-server.ts';

interface Answer {
  readonly id: unknown;
  readonly ok: boolean;
  readonly error?: { readonly code: string };
}

async function openSocket(url: string) {
  const socket = new WebSocket(wsUrlOf(url));
  await once(socket, 'open');
  const answers: Answer[] = [];
  socket.on('message', (data: Buffer) => answers.push(JSON.parse(data.toString()) as Answer));
  const closed = once(socket, 'close').then(([code]) => code as number);
  return { socket, answers, closed };
}

/**
 * Sends up to `count` messages without waiting, in chunks of `chunk` with `pauseMs` between them so the client
 * process itself keeps turning; stops once the socket is no longer open. Returns how many were sent.
 */
async function flood(socket: WebSocket, count: number, message: (i: number) => string, chunk = 500, pauseMs = 0): Promise<number> {
  let sent = 0;
  while (sent < count && socket.readyState === WebSocket.OPEN) {
    socket.send(message(sent));
    if (++sent % chunk === 0) await new Promise((resolve) => (pauseMs > 0 ? setTimeout(resolve, pauseMs) : setImmediate(resolve)));
  }
  return sent;
}

const codes = (answers: readonly Answer[]) => answers.map((answer) => (answer.ok ? 'ok' : answer.error!.code));

describe('flooding WebSocket clients', () => {
  it('charges malformed messages to the rate budget and closes a client that keeps sending while throttled', async () => {
    const budget = 50;
    const server = await startServerProcess(['--rate-limit', String(budget)]);
    try {
      const { socket, answers, closed } = await openSocket(server.url);
      // Sends until closed; the bound only keeps a server that never closes from hanging the test.
      const sent = await flood(socket, 20 * THROTTLED_BEFORE_CLOSE, () => 'not json');
      expect(await closed).toBe(WS_CLOSE_CODES.tooManyRequests.code);
      const seen = codes(answers);
      // The budget (plus what refilled meanwhile) bought InvalidJson answers; the rest were throttled, not parsed.
      expect(seen.slice(0, budget)).toEqual(Array(budget).fill('InvalidJson'));
      const firstThrottled = seen.indexOf('ThrottleLimitExceeded');
      expect(firstThrottled).toBeGreaterThanOrEqual(budget);
      expect(seen.filter((code) => code === 'ThrottleLimitExceeded').length).toBeGreaterThanOrEqual(THROTTLED_BEFORE_CLOSE);
      // Nothing sent after the close began was answered.
      expect(seen.length).toBeLessThan(sent);
    } finally {
      await server.stop();
    }
  });

  it('closes a flood that gets a message through each time the budget refills', async () => {
    // 50 per 10 s refills one message every 200 ms; about 2,000 messages a second arrive in between.
    const budget = 50;
    const server = await startServerProcess(['--rate-limit', String(budget)]);
    try {
      const { socket, answers, closed } = await openSocket(server.url);
      await flood(socket, 40 * THROTTLED_BEFORE_CLOSE, () => 'not json', 100, 50);
      expect(await closed).toBe(WS_CLOSE_CODES.tooManyRequests.code);
      // Refills let messages through after the throttling began: they did not save the client.
      const seen = codes(answers);
      expect(seen.slice(seen.indexOf('ThrottleLimitExceeded'))).toContain('InvalidJson');
    } finally {
      await server.stop();
    }
  });

  it('keeps /healthz, other clients and SIGTERM served while eight connections flood it', async () => {
    // A budget no flood exhausts: what is tested is the sharing of the event loop, not the rate limit.
    const server = await startServerProcess(['--rate-limit', '100000000', '--shutdown-timeout', '10']);
    const flooders = await Promise.all(Array.from({ length: 8 }, () => openSocket(server.url)));
    let flooding = true;
    const floods = flooders.map(async ({ socket }, n) => {
      while (flooding && socket.readyState === WebSocket.OPEN) {
        await flood(socket, 2000, (i) => JSON.stringify({ id: `${n}-${i}`, op: 'getQueue', args: { queueId: 'absent' } }));
        // Keep the client's own send buffer bounded; the server sees an unbroken stream.
        while (socket.bufferedAmount > 1 << 20) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    try {
      // Let the floods reach the server before measuring.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const probeMs: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        probeMs.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Before per-turn fairness a probe took 5.8 s here; a bound this loose holds on a loaded CI machine.
      expect(probeMs.sort((a, b) => a - b)[5]).toBeLessThan(1000);

      // A well-behaved client gets its answer in the middle of the floods.
      const polite = await openSocket(server.url);
      const started = performance.now();
      polite.socket.send(JSON.stringify({ id: 'polite', op: 'listQueues', args: {} }));
      while (!polite.answers.some((answer) => answer.id === 'polite')) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(performance.now() - started).toBeLessThan(2000);
      // Every flooder was being answered too: no connection was starved.
      for (const { answers } of flooders) expect(answers.length).toBeGreaterThan(0);

      // SIGTERM drains and exits 0 within its bound, floods and all.
      const code = await server.stop('SIGTERM');
      expect(code).toBe(0);
    } finally {
      flooding = false;
      await Promise.all(floods);
      await server.stop('SIGKILL');
    }
  });
});
