import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SwitchboardClient } from '../../src/client/index.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';
import { refusedUpgradeStatus, wsUrlOf } from './support/ws-server.ts';

const HEARTBEAT_MS = 100;
let server: ServerProcess;
let wsUrl: string;

beforeAll(async () => {
  server = await startServerProcess([], { SWITCHBOARD_WS_HEARTBEAT_MS: String(HEARTBEAT_MS) });
  wsUrl = wsUrlOf(server.url);
});

afterAll(async () => {
  await server?.stop();
});

async function open(options: { autoPong?: boolean } = {}): Promise<WebSocket> {
  const socket = new WebSocket(wsUrl, options);
  await once(socket, 'open');
  return socket;
}

/** Sends one request and resolves with the next message. */
async function ask(socket: WebSocket, message: string): Promise<unknown> {
  const answer = once(socket, 'message');
  socket.send(message);
  const [data] = (await answer) as [Buffer];
  return JSON.parse(data.toString());
}

describe('heartbeats', () => {
  it('terminates a client that does not answer pings, and keeps one that does', async () => {
    const silent = await open({ autoPong: false });
    const client = await SwitchboardClient.connect(wsUrl);
    const started = Date.now();

    const [code] = (await once(silent, 'close')) as [number];
    // Terminated without a closing handshake: the client sees an abnormal closure.
    expect(code).toBe(1006);
    expect(Date.now() - started).toBeLessThan(20 * HEARTBEAT_MS);

    await new Promise((resolve) => setTimeout(resolve, 3 * HEARTBEAT_MS));
    await expect(client.call('listQueues', {})).resolves.toMatchObject({ value: [] });
    await client.close();
  });
});

describe('message size', () => {
  it('closes the connection with 1009 when a message exceeds 1 MiB', async () => {
    const socket = await open();
    const closed = once(socket, 'close');
    socket.send(JSON.stringify({ id: 1, op: 'getJob', args: { jobId: 'x'.repeat(1024 * 1024) } }));
    const [code] = (await closed) as [number];
    expect(code).toBe(1009);
  });
});

describe('malformed requests', () => {
  it('answers bad JSON with InvalidJson and id null, and an unknown op with RouteNotFound', async () => {
    const socket = await open();
    expect(await ask(socket, '{"id": 1, ')).toEqual({
      id: null,
      ok: false,
      error: { code: 'InvalidJson', message: expect.any(String) },
    });
    expect(await ask(socket, JSON.stringify({ id: 'a', op: 'launchRockets', args: {} }))).toMatchObject({
      id: 'a',
      ok: false,
      error: { code: 'RouteNotFound', target: 'op' },
    });
    expect(await ask(socket, JSON.stringify({ id: 2, op: 'getJob', args: { jobId: 7 } }))).toMatchObject({
      id: 2,
      ok: false,
      error: { code: 'InvalidRequest', target: 'jobId' },
    });
    socket.close();
  });
});

describe('upgrades', () => {
  it('refuses paths other than /ws with 404', async () => {
    expect(await refusedUpgradeStatus(wsUrl.replace(/\/ws$/, '/elsewhere'))).toBe(404);
  });
});
