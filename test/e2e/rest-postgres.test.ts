import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresUnavailableReason, startPostgres } from '../support/postgres.ts';
import { restClient } from './support/rest-client.ts';
import { runCli, startServerProcess } from './support/server-process.ts';

const unavailable = postgresUnavailableReason();
if (unavailable) console.warn(`Skipping the PostgreSQL server tests: ${unavailable}`);
const cluster = unavailable ? undefined : await startPostgres();
afterAll(() => cluster?.stop());

async function terminateSessions(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  await client.end();
}

if (!cluster) {
  describe.skip(`a server on the postgres store (skipped: ${unavailable})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
} else {
  describe('a server on the postgres store', () => {
    it('keeps what it acknowledged across SIGTERM and a restart, and never prints the password', async () => {
      // The test cluster trusts local connections, so any password is accepted: enough to see it is not printed.
      const url = (await cluster.createDatabase()).replace('switchboard@', 'switchboard:hunter2@');
      const first = await startServerProcess(['--store', url]);
      expect(first.output().stdout).toContain(`data in the PostgreSQL database ${url.replace('hunter2', '***')}`);
      expect(first.output().stdout).not.toContain('hunter2');
      const rest = restClient(first.url);
      expect((await rest.patch('/routing/distributionPolicies/p', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } })).status).toBe(201);
      expect((await rest.patch('/routing/queues/q', { distributionPolicyId: 'p' })).status).toBe(201);
      expect((await rest.patch('/routing/jobs/j', { queueId: 'q', channelId: 'voice', priority: 3 })).status).toBe(201);
      expect(await first.stop('SIGTERM')).toBe(0);

      // Selected by the environment alone this time.
      const second = await startServerProcess([], { SWITCHBOARD_STORE: '', SWITCHBOARD_DATABASE_URL: url });
      const again = restClient(second.url);
      expect((await again.get('/routing/jobs/j')).json).toMatchObject({ id: 'j', status: 'queued', priority: 3 });
      expect((await again.get('/routing/queues/q')).json).toMatchObject({ id: 'q', distributionPolicyId: 'p' });
      expect((await fetch(new URL('/readyz', second.url))).status).toBe(200);
      expect(await second.stop()).toBe(0);
    });

    it('refuses changes with 503 StoreUnavailable and reports not ready once its connection is lost', async () => {
      const url = await cluster.createDatabase();
      const server = await startServerProcess(['--store', url]);
      const rest = restClient(server.url);
      expect((await rest.patch('/routing/distributionPolicies/p', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } })).status).toBe(201);
      await terminateSessions(url);
      const refused = await rest.patch('/routing/queues/q', { distributionPolicyId: 'p' });
      expect(refused.status).toBe(503);
      expect(JSON.stringify(refused.json)).toContain('StoreUnavailable');
      const ready = await fetch(new URL('/readyz', server.url));
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ code: 'StoreUnavailable' });
      await server.stop('SIGKILL');

      const restarted = await startServerProcess(['--store', url]);
      const again = restClient(restarted.url);
      expect((await again.get('/routing/distributionPolicies/p')).status).toBe(200);
      expect((await again.get('/routing/queues/q')).status).toBe(404);
      expect(await restarted.stop()).toBe(0);
    });

    it('exits 1 naming StoreUnreachable when the database cannot be reached, and 2 for a postgres store without a URL', async () => {
      const unreachable = await runCli(['serve', '--port', '0', '--store', 'postgres://someone:secret@127.0.0.1:1/nowhere']);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toContain('[StoreUnreachable]');
      expect(unreachable.stderr).not.toContain('secret');
      const missing = await runCli(['serve', '--port', '0', '--store', 'postgres'], { SWITCHBOARD_DATABASE_URL: '' });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('--database-url');
    });
  });
}
