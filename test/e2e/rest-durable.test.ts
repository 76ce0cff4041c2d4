import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { restClient } from './support/rest-client.ts';
import { runCli, startServerProcess } from './support/server-process.ts';

const root = mkdtempSync(join(tmpdir(), 'switchboard-durable-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sqlite = (dataDir: string, ...extra: string[]) => ['--store', 'sqlite', '--data-dir', dataDir, ...extra];

async function probe(url: string, path: string, method = 'GET') {
  const response = await fetch(new URL(path, url), { method });
  return { status: response.status, body: method === 'HEAD' ? await response.text() : await response.json() };
}

describe('a server on the sqlite store', () => {
  it('keeps what it acknowledged across kill -9, and its start-up line says where the data is', async () => {
    const dataDir = join(root, 'killed');
    const first = await startServerProcess(sqlite(dataDir));
    expect(first.output().stdout).toContain(`data in ${dataDir} (sqlite, sync full)`);
    const rest = restClient(first.url);
    expect((await rest.patch('/routing/distributionPolicies/p', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } })).status).toBe(201);
    expect((await rest.patch('/routing/queues/q', { distributionPolicyId: 'p' })).status).toBe(201);
    expect((await rest.patch('/routing/jobs/j', { queueId: 'q', channelId: 'voice', priority: 3 })).status).toBe(201);
    await first.stop('SIGKILL');

    const second = await startServerProcess(sqlite(dataDir));
    const again = restClient(second.url);
    expect((await again.get('/routing/jobs/j')).json).toMatchObject({ id: 'j', status: 'queued', priority: 3 });
    expect((await again.get('/routing/queues/q')).json).toMatchObject({ id: 'q', distributionPolicyId: 'p' });
    expect(await second.stop()).toBe(0);
  });

  it('switchboard backup copies the database while the server serves, and a server started on the copy has it all', async () => {
    const dataDir = join(root, 'live');
    const server = await startServerProcess(sqlite(dataDir));
    const rest = restClient(server.url);
    await rest.patch('/routing/distributionPolicies/p', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } });
    await rest.patch('/routing/queues/q', { distributionPolicyId: 'p' });
    for (let i = 0; i < 20; i++) expect((await rest.patch(`/routing/jobs/j${i}`, { queueId: 'q', channelId: 'voice' })).status).toBe(201);
    const file = join(root, 'live-backup.db');
    const backup = await runCli(['backup', file, '--data-dir', dataDir]);
    expect(backup).toMatchObject({ code: 0, stdout: expect.stringContaining(`backed up ${dataDir} to ${file}`) });
    expect(await runCli(['backup', file, '--data-dir', dataDir])).toMatchObject({ code: 1, stderr: expect.stringContaining('already exists') });
    // The live server is not disturbed by the backup.
    expect((await rest.patch('/routing/jobs/after-backup', { queueId: 'q', channelId: 'voice' })).status).toBe(201);
    expect(await server.stop()).toBe(0);

    const restoredDir = join(root, 'restored');
    mkdirSync(restoredDir);
    copyFileSync(file, join(restoredDir, 'switchboard.db'));
    const restored = await startServerProcess(sqlite(restoredDir));
    const again = restClient(restored.url);
    expect((await again.get<{ value: unknown[] }>('/routing/jobs', { query: { maxpagesize: '100' } })).json.value).toHaveLength(20);
    expect((await again.get('/routing/jobs/after-backup')).status).toBe(404);
    expect(await restored.stop()).toBe(0);
  });

  it('refuses to start on a data directory another server is using', async () => {
    const dataDir = join(root, 'shared');
    const first = await startServerProcess(sqlite(dataDir));
    await expect(startServerProcess(sqlite(dataDir))).rejects.toThrow(/exited with 1[\s\S]*in use by another Switchboard.*\[StoreLocked\]/);
    expect(await first.stop()).toBe(0);
  });

  it('on a full disk: refuses the change with 503 StoreUnavailable, is not ready, serves nothing, and restarts with every acknowledged change', async () => {
    const dataDir = join(root, 'full');
    const server = await startServerProcess(sqlite(dataDir, '--max-db-bytes', String(256 * 1024)));
    const rest = restClient(server.url);
    expect(await probe(server.url, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await probe(server.url, '/readyz', 'HEAD')).toEqual({ status: 200, body: '' });
    expect((await rest.patch('/routing/distributionPolicies/p', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } })).status).toBe(201);
    expect((await rest.patch('/routing/queues/q', { distributionPolicyId: 'p' })).status).toBe(201);

    const labels = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`label${i}`, 'x'.repeat(200)]));
    const refused = await rest.patch('/routing/jobs/too-big', { queueId: 'q', channelId: 'voice', labels });
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ communicationError: { code: 'ServiceUnavailable', details: [{ code: 'StoreUnavailable' }] } });
    expect(await probe(server.url, '/readyz')).toMatchObject({ status: 503, body: { status: 'unavailable', code: 'StoreUnavailable' } });
    expect(await probe(server.url, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await rest.get('/routing/queues/q')).status).toBe(503);
    expect(await server.stop()).toBe(0);
    const logged = server.output().stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toContainEqual(expect.objectContaining({ level: 'error', msg: 'commit failed', code: 'StoreUnavailable' }));
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'request', operation: 'upsertJob', status: 503, code: 'StoreUnavailable' }));

    const restarted = await startServerProcess(sqlite(dataDir));
    const again = restClient(restarted.url);
    expect(await probe(restarted.url, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    expect((await again.get('/routing/queues/q')).status).toBe(200);
    expect((await again.get('/routing/jobs/too-big')).status).toBe(404);
    expect(await restarted.stop()).toBe(0);
  });
});
