/**
 * The console over HTTP against a real server process: `GET /machines` and `switchboard machines --json`, the
 * console's pages (types, caching, CSP, HEAD, 404) and its data, with and without an access key.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleStatic, CONSOLE_CSP } from '../../src/console/console-handler.ts';
import type { ConsoleAsset } from '../../src/console/console-assets.ts';
import { restClient } from './support/rest-client.ts';
import { runCli, startServerProcess, type ServerProcess } from './support/server-process.ts';

const KEY = Buffer.alloc(32, 9).toString('base64');

interface MachinesBody {
  value: Array<{ id: string; definition: { id: string; states: Record<string, { on: Record<string, Array<{ guard?: unknown }>> }> }; events: string[]; guards: string[]; actions: string[] }>;
}

function checkMachines(body: MachinesBody): void {
  expect(body.value.map((machine) => machine.id)).toEqual(['job', 'offer', 'worker', 'queue']);
  const job = body.value[0]!;
  expect(Object.keys(job.definition.states)).toHaveLength(12);
  expect(job.definition.id).toBe('job');
  expect(job.events).toContain('job.assign');
  expect(job.guards).toEqual(['hasPendingClose', 'isCurrentAssignment', 'mayUnassign', 'suspendsMatching']);
  // The higher-order guard survives JSON, named the way XState names its built-ins.
  expect(job.definition.states['assigned']!.on['job.unassign']![0]!.guard).toEqual({ type: 'xstate.and', guards: ['mayUnassign', 'suspendsMatching'] });
  expect(Object.keys(body.value[1]!.definition.states)).toEqual(['issued', 'accepted', 'declined', 'expired', 'revoked']);
}

describe('console over HTTP, no access key', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(() => server?.stop());

  it('GET /machines gives every machine definition as XState produces it', async () => {
    const response = await fetch(`${server.url}/machines`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    checkMachines((await response.json()) as MachinesBody);
  });

  it('`switchboard machines --json` prints the same as GET /machines', async () => {
    const [cli, served] = await Promise.all([runCli(['machines', '--json']), fetch(`${server.url}/machines`).then((response) => response.json())]);
    expect(cli.code).toBe(0);
    const printed = JSON.parse(cli.stdout) as MachinesBody;
    checkMachines(printed);
    expect(printed).toEqual(served);
  });

  it('`switchboard machines` lists each machine on one line', async () => {
    const cli = await runCli(['machines']);
    expect(cli.code).toBe(0);
    expect(cli.stdout.split('\n').filter(Boolean).map((line) => line.split(':')[0])).toEqual(['job', 'offer', 'worker', 'queue']);
    expect(cli.stdout).toContain('job: 12 states');
  });

  it('serves the page and its scripts with their types, a strict CSP, validators and no-cache', async () => {
    const page = await fetch(`${server.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).not.toMatch(/unsafe|\*/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    // No inline script or style, nothing from another origin.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/style=|https?:\/\//);
    for (const [path, type] of [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['app.css', 'text/css; charset=utf-8'],
      ['elk-worker.js', 'text/javascript; charset=utf-8'],
      ['favicon.svg', 'image/svg+xml'],
    ] as const) {
      const response = await fetch(`${server.url}/console/${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe(type);
      const etag = response.headers.get('etag')!;
      expect(etag).toMatch(/^"[\w-]{43}"$/);
      const again = await fetch(`${server.url}/console/${path}`, { headers: { 'if-none-match': etag } });
      expect(again.status, path).toBe(304);
    }
  });

  it('answers HEAD like GET without a body, and redirects / to the console', async () => {
    const head = await fetch(`${server.url}/console/app.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(1000);
    expect(await head.text()).toBe('');
    for (const path of ['/', '/console']) {
      const response = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      expect(response.status, path).toBe(302);
      expect(response.headers.get('location')).toBe('/console/');
    }
  });

  it('gives unknown console paths and other methods a clear 404', async () => {
    for (const [method, path] of [['GET', '/console/nope.js'], ['GET', '/console/api/nope'], ['POST', '/console/'], ['GET', '/console/../package.json']] as const) {
      const response = await fetch(`${server.url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      const body = (await response.json()) as { communicationError: { details: Array<{ code: string }> } };
      expect(body.communicationError.details[0]!.code, `${method} ${path}`).toBe('RouteNotFound');
    }
  });

  it('summarises queues with their workers by state and live offers, and workers with their load per channel', async () => {
    const rest = restClient(server.url);
    await rest.patch('/routing/distributionPolicies/dp', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
    await rest.patch('/routing/queues/q1', { distributionPolicyId: 'dp' });
    await rest.patch('/routing/workers/w1', { queues: ['q1'], capacity: 10, channels: [{ channelId: 'chat', capacityCostPerJob: 4, maxNumberOfJobs: 2 }], availableForOffers: true });
    await rest.patch('/routing/workers/w2', { queues: ['q1'], capacity: 10, channels: [{ channelId: 'chat', capacityCostPerJob: 4 }], availableForOffers: false });
    await rest.patch('/routing/jobs/j1', { queueId: 'q1', channelId: 'chat' });
    await rest.patch('/routing/jobs/j2', { queueId: 'q1', channelId: 'chat' });
    await rest.patch('/routing/jobs/j3', { queueId: 'q1', channelId: 'chat' });
    // Offered jobs still wait in the queue (Azure's length counts them): three jobs, two offers (w1 has room for two).
    const queues = (await (await fetch(`${server.url}/console/api/queues`)).json()) as { value: Array<Record<string, unknown>> };
    expect(queues.value).toEqual([
      expect.objectContaining({ queueId: 'q1', length: 3, workers: { active: 1, draining: 0, inactive: 1 }, liveOffers: 2 }),
    ]);
    const loads = (await (await fetch(`${server.url}/console/api/workers?id=w1&id=w2&id=nobody`)).json()) as { value: unknown[] };
    expect(loads.value).toEqual([
      { workerId: 'w1', state: 'active', capacity: 10, usedCapacity: 8, channels: [{ channelId: 'chat', capacityCostPerJob: 4, maxNumberOfJobs: 2, jobs: 2, capacityUsed: 8 }] },
      { workerId: 'w2', state: 'inactive', capacity: 10, usedCapacity: 0, channels: [{ channelId: 'chat', capacityCostPerJob: 4, jobs: 0, capacityUsed: 0 }] },
    ]);
    const tooMany = await fetch(`${server.url}/console/api/workers?${Array.from({ length: 1001 }, (_, i) => `id=w${i}`).join('&')}`);
    expect(tooMany.status).toBe(400);
  });
});

describe('console over HTTP, with an access key', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess([], { SWITCHBOARD_ACCESS_KEY: KEY });
  });
  afterAll(() => server?.stop());

  it('serves the pages to anyone (they hold no data) and the data only with the key', async () => {
    expect((await fetch(`${server.url}/console/`)).status).toBe(200);
    for (const path of ['/machines', '/console/api/queues']) {
      const refused = await fetch(`${server.url}${path}`);
      expect(refused.status, path).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('HMAC-SHA256, Bearer');
      expect((await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer d3Jvbmc=' } })).status, path).toBe(401);
      expect((await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } })).status, path).toBe(200);
    }
    // HMAC-signed, as an Azure SDK would send it.
    expect((await restClient(server.url, { hmac: KEY }).get('/machines', { apiVersion: null })).status).toBe(200);
  });

  it('refuses worker tokens: the console is for admins', async () => {
    await restClient(server.url, { bearer: KEY }).patch('/routing/workers/w1', { capacity: 1 });
    const { json } = await restClient(server.url, { bearer: KEY }).post<{ token: string }>('/routing/workers/w1:issueToken', {});
    const response = await fetch(`${server.url}/machines`, { headers: { authorization: `Bearer ${json.token}` } });
    expect(response.status).toBe(403);
  });
});

describe('console pages without an access key, from another machine', () => {
  const assets = new Map<string, ConsoleAsset>([['index.html', { body: Buffer.from('<!doctype html>'), contentType: 'text/html; charset=utf-8', etag: '"x"' }]]);

  function answer(remoteAddress: string, accessKey?: string): { status: number; body: string } {
    const handler = createConsoleStatic({ accessKey, assets });
    const sent = { status: 0, body: '' };
    const response = {
      headersSent: false,
      writeHead(status: number) {
        sent.status = status;
        return this;
      },
      end(body?: string | Buffer) {
        sent.body = body === undefined ? '' : String(body);
      },
    } as unknown as ServerResponse;
    const request = { method: 'GET', headers: {}, socket: { remoteAddress } } as unknown as IncomingMessage;
    expect(handler(request, '/console/', response)).toBe(true);
    return sent;
  }

  it('is refused with ConsoleLoopbackOnly (403), and served on loopback or with a key', () => {
    const refused = answer('192.0.2.7');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).communicationError.details[0].code).toBe('ConsoleLoopbackOnly');
    expect(answer('::ffff:127.0.0.1').status).toBe(200);
    expect(answer('192.0.2.7', KEY).status).toBe(200);
  });
});
