import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SwitchboardClient, type OfferEvent } from '../../src/client/index.ts';
import type { RouterEvent } from '../../src/protocol/events.schemas.ts';
import { openRaw } from './support/raw-http.ts';
import { restClient, type Reply } from './support/rest-client.ts';
import { runCli, startServerProcess, type ServerProcess } from './support/server-process.ts';
import { refusedUpgradeStatus } from './support/ws-server.ts';

const keys = { alpha: randomBytes(32).toString('base64'), beta: randomBytes(32).toString('base64') } as const;
type Name = keyof typeof keys;
const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-routers-'));
const serveArgs = ['--store', 'sqlite', '--data-dir', dataDir, '--sync', 'normal', '--routers', 'alpha,beta'];
const serveEnv = { SWITCHBOARD_STORE: '', SWITCHBOARD_ACCESS_KEY_ALPHA: keys.alpha, SWITCHBOARD_ACCESS_KEY_BETA: keys.beta };
let server: ServerProcess;
const clients: SwitchboardClient[] = [];

/** A REST client of one router, signing with that router's key (or another's, to see it refused). */
function rest(name: Name, key: string = keys[name]) {
  const client = restClient(server.url, { hmac: key });
  return {
    get: (path: string) => client.get(`/${name}${path}`),
    patch: (path: string, body: unknown) => client.patch(`/${name}${path}`, body),
    delete: (path: string) => client.delete(`/${name}${path}`),
  };
}

async function connect(name: Name, token: string = keys[name]): Promise<SwitchboardClient> {
  const client = await SwitchboardClient.connect(`${server.url.replace(/^http/, 'ws')}/${name}/ws`, { token });
  clients.push(client);
  return client;
}

async function createQueue(name: Name, queueId: string): Promise<void> {
  expect((await rest(name).patch(`/routing/distributionPolicies/${queueId}-p`, { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } })).status).toBe(201);
  expect((await rest(name).patch(`/routing/queues/${queueId}`, { distributionPolicyId: `${queueId}-p` })).status).toBe(201);
}

function codeOf(reply: Reply): string | null {
  return reply.headers.get('x-ms-error-code');
}

beforeAll(async () => {
  server = await startServerProcess(serveArgs, serveEnv);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a server hosting two routers', () => {
  it('says in its start-up line which routers it serves, and where their data is', () => {
    expect(server.output().stdout).toContain('2 routers under /<name>/ (alpha, beta)');
    expect(server.output().stdout).toContain(`each in ${join(dataDir, 'routers')}/<name>`);
  });

  it('keeps the same ids in each router apart', async () => {
    await createQueue('alpha', 'same');
    await createQueue('beta', 'same');
    expect((await rest('alpha').patch('/routing/jobs/j', { queueId: 'same', channelId: 'voice', priority: 3 })).status).toBe(201);
    expect((await rest('beta').patch('/routing/jobs/j', { queueId: 'same', channelId: 'voice', priority: 7 })).status).toBe(201);
    expect((await rest('alpha').get('/routing/jobs/j')).json).toMatchObject({ id: 'j', priority: 3 });
    expect((await rest('beta').get('/routing/jobs/j')).json).toMatchObject({ id: 'j', priority: 7 });

    expect((await rest('alpha').patch('/routing/jobs/only-alpha', { queueId: 'same', channelId: 'voice' })).status).toBe(201);
    expect(codeOf(await rest('beta').get('/routing/jobs/only-alpha'))).toBe('NotFound');
  });

  it('numbers each router’s events from 1, on its own', async () => {
    await createQueue('alpha', 'numbered');
    const seen: Record<Name, RouterEvent[]> = { alpha: [], beta: [] };
    for (const name of ['alpha', 'beta'] as const) await (await connect(name)).subscribe({ fromSequence: 1 }, (event) => seen[name].push(event));
    await vi.waitFor(() => {
      expect(seen.alpha.length).toBeGreaterThan(0);
      expect(seen.beta.length).toBeGreaterThan(0);
    });
    for (const name of ['alpha', 'beta'] as const)
      expect(seen[name].map((event) => event.sequenceNumber)).toEqual(seen[name].map((_, index) => index + 1));
    // alpha has a job beta never had, so their feeds differ.
    expect(seen.alpha.some((event) => event.data['jobId'] === 'only-alpha')).toBe(true);
    expect(seen.beta.some((event) => event.data['jobId'] === 'only-alpha')).toBe(false);
  });

  it('refuses one router’s key on the other, over REST and WebSocket', async () => {
    expect((await rest('beta', keys.alpha).get('/routing/queues')).status).toBe(401);
    expect((await rest('alpha', keys.beta).get('/routing/queues')).status).toBe(401);
    expect(await refusedUpgradeStatus(`${server.url.replace(/^http/, 'ws')}/beta/ws`, { authorization: `Bearer ${keys.alpha}` })).toBe(401);
  });

  it('answers an unknown router, and a path outside every router, 404 RouterNotFound', async () => {
    const unknown = await restClient(server.url, { hmac: keys.alpha }).get('/gamma/routing/queues');
    expect(unknown.status).toBe(404);
    expect(codeOf(unknown)).toBe('RouterNotFound');
    const unprefixed = await restClient(server.url).get('/routing/queues');
    expect(codeOf(unprefixed)).toBe('RouterNotFound');
    expect(await refusedUpgradeStatus(`${server.url.replace(/^http/, 'ws')}/ws`)).toBe(404);
  });

  it('answers /readyz for all routers at the top level, and for one under its prefix', async () => {
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready', routers: 2 });
    expect(await (await fetch(`${server.url}/beta/readyz`)).json()).toEqual({ status: 'ready' });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('serves each router’s console, machine definitions and metrics under its prefix, with its key', async () => {
    const root = await fetch(`${server.url}/alpha/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/alpha/console/']);
    expect((await rest('alpha').get('/machines')).status).toBe(200);
    expect((await rest('alpha', keys.beta).get('/machines')).status).toBe(401);
    const metrics = await fetch(`${server.url}/beta/metrics`, { headers: { authorization: `Bearer ${keys.beta}` } });
    expect(await metrics.text()).toMatch(/^switchboard_jobs\{[^}]*router="beta"[^}]*\} 1$/m);
  });

  it('pushes a router’s offers only to WebSocket clients of that router', async () => {
    const worker = { queues: ['offers'], capacity: 1, channels: [{ channelId: 'voice', capacityCostPerJob: 1 }], availableForOffers: true };
    for (const name of ['alpha', 'beta'] as const) {
      await createQueue(name, 'offers');
      expect((await rest(name).patch('/routing/workers/w', worker)).status).toBe(201);
    }
    const offers: OfferEvent[] = [];
    await (await connect('beta')).attachWorker('w', (event) => offers.push(event));

    expect((await rest('alpha').patch('/routing/jobs/offered-alpha', { queueId: 'offers', channelId: 'voice' })).status).toBe(201);
    await vi.waitFor(async () => expect((await rest('alpha').get('/routing/workers/w')).json).toMatchObject({ offers: [{ jobId: 'offered-alpha' }] }));
    expect((await rest('beta').patch('/routing/jobs/offered-beta', { queueId: 'offers', channelId: 'voice' })).status).toBe(201);
    await vi.waitFor(() => expect(offers.map((offer) => offer.data['jobId'])).toEqual(['offered-beta']));
  });

  it('accepts a request signed as the Azure JavaScript SDK signs it, for the endpoint http://host:port/beta/', async () => {
    // @azure-rest/core-client's buildRequestUrl: `${endpoint}/${path}`, double slashes collapsed, so the endpoint's
    // path stays in front; communicationAccessKeyCredentialPolicy signs that path and `${url.host}:${url.port}`.
    const endpoint = `${server.url}/beta/`;
    const url = new URL(`${endpoint}/routing/queues/same?api-version=2023-11-01`.replace(/([^:]\/)\/+/g, '$1'));
    expect(url.pathname).toBe('/beta/routing/queues/same');
    const date = new Date().toUTCString();
    const contentHash = createHash('sha256').update('').digest('base64');
    const host = `${url.host}:${url.port}`;
    const toSign = `GET\n${url.pathname}?${url.searchParams.toString()}\n${date};${host};${contentHash}`;
    const signature = createHmac('sha256', Buffer.from(keys.beta, 'base64')).update(toSign).digest('base64');
    const connection = await openRaw(server.url);
    connection.write(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${host}\r\nx-ms-date: ${date}\r\nx-ms-content-sha256: ${contentHash}\r\n` +
        `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}\r\n\r\n`,
    );
    const reply = await connection.reply();
    connection.socket.destroy();
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ id: 'same', distributionPolicyId: 'same-p' });
  });

  it('backs up one router’s database while it is served', async () => {
    const file = join(dataDir, 'alpha-backup.db');
    const backup = await runCli(['backup', file, '--data-dir', dataDir, '--routers', 'alpha']);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain(join(dataDir, 'routers', 'alpha'));
  });

  it('keeps both routers’ data, each in its own directory, across a restart', async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    expect(await server.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'routers', 'alpha', 'switchboard.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'routers', 'beta', 'switchboard.db'))).toBe(true);
    server = await startServerProcess(serveArgs, serveEnv);
    expect((await rest('alpha').get('/routing/jobs/j')).json).toMatchObject({ id: 'j', priority: 3 });
    expect((await rest('beta').get('/routing/jobs/j')).json).toMatchObject({ id: 'j', priority: 7 });
    expect(codeOf(await rest('beta').get('/routing/jobs/only-alpha'))).toBe('NotFound');
  });
});

describe('declaring routers', () => {
  it.each([
    [['--routers', 'console'], 'router name "console" is reserved'],
    [['--routers', 'Bad_Name'], 'must be 1 to 63 lower-case letters'],
    [['--routers', 'a,a'], 'router "a" is declared twice'],
    [['--routers', 'a', '--access-key', keys.alpha], 'each router has its own access key'],
    [['--routers', 'a', '--host', '0.0.0.0'], 'router a: refusing to listen on 0.0.0.0 without an access key: set SWITCHBOARD_ACCESS_KEY_A'],
  ])('refuses %j at start-up with exit code 2, opening nothing', async (args, message) => {
    const refused = await runCli(['serve', '--port', '0', ...args]);
    expect(refused.stderr).toContain(message);
    expect(refused.code).toBe(2);
  });
});
