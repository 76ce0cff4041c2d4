import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresUnavailableReason, startPostgres } from '../support/postgres.ts';
import { restClient } from './support/rest-client.ts';
import { startServerProcess } from './support/server-process.ts';

const unavailable = postgresUnavailableReason();
if (unavailable) console.warn(`Skipping the PostgreSQL routers test: ${unavailable}`);
const cluster = unavailable ? undefined : await startPostgres();
afterAll(() => cluster?.stop());

if (!cluster) {
  describe.skip(`two routers on the postgres store (skipped: ${unavailable})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
} else {
  describe('two routers on the postgres store', () => {
    it('keeps each router in a schema of its name, apart from the other and from a single-router server, across a restart', async () => {
      const url = await cluster.createDatabase();
      const args = ['--store', url, '--routers', 'alpha,beta'];
      const first = await startServerProcess(args);
      expect(first.output().stdout).toContain('2 routers under /<name>/ (alpha, beta)');
      const rest = restClient(first.url);
      for (const [name, priority] of [['alpha', 3], ['beta', 7]] as const) {
        expect((await rest.patch(`/${name}/routing/distributionPolicies/p`, { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } })).status).toBe(201);
        expect((await rest.patch(`/${name}/routing/queues/q`, { distributionPolicyId: 'p' })).status).toBe(201);
        expect((await rest.patch(`/${name}/routing/jobs/j`, { queueId: 'q', channelId: 'voice', priority })).status).toBe(201);
      }
      expect((await rest.patch('/alpha/routing/jobs/only-alpha', { queueId: 'q', channelId: 'voice' })).status).toBe(201);
      expect(await first.stop()).toBe(0);

      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const counted: Record<string, { jobs: number; last: number }> = {};
      for (const schema of ['alpha', 'beta']) {
        const { rows } = await client.query<{ jobs: number; last: string }>(
          `SELECT (SELECT count(*)::int FROM "${schema}".documents WHERE kind = 'job') AS jobs,
                  (SELECT value FROM "${schema}".switchboard_meta WHERE key = 'lastSequence') AS last`,
        );
        counted[schema] = { jobs: rows[0]!.jobs, last: Number(rows[0]!.last) };
      }
      const publicTables = await client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'documents'");
      await client.end();
      expect([counted['alpha']!.jobs, counted['beta']!.jobs]).toEqual([2, 1]);
      // Each router numbered its own events: alpha made one job more, so it is further on.
      expect(counted['alpha']!.last).toBeGreaterThan(counted['beta']!.last);
      expect(publicTables.rowCount).toBe(0);

      const second = await startServerProcess(args);
      const again = restClient(second.url);
      expect((await again.get('/alpha/routing/jobs/j')).json).toMatchObject({ id: 'j', priority: 3 });
      expect((await again.get('/beta/routing/jobs/j')).json).toMatchObject({ id: 'j', priority: 7 });
      expect((await again.get('/beta/routing/jobs/only-alpha')).status).toBe(404);
      expect(await second.stop()).toBe(0);
    });

    it('has a standby take every router over when their owner is killed, each with its own data', async () => {
      const url = await cluster.createDatabase();
      const args = ['--store', url, '--routers', 'alpha,beta', '--lease-ttl', '2s'];
      const owner = await startServerProcess(args);
      const rest = restClient(owner.url);
      for (const name of ['alpha', 'beta']) {
        expect((await rest.patch(`/${name}/routing/distributionPolicies/p`, { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } })).status).toBe(201);
        expect((await rest.patch(`/${name}/routing/queues/q`, { distributionPolicyId: 'p' })).status).toBe(201);
        expect((await rest.patch(`/${name}/routing/jobs/of-${name}`, { queueId: 'q', channelId: 'voice' })).status).toBe(201);
      }
      let announce!: () => void;
      const standingBy = new Promise<void>((resolve) => (announce = resolve));
      const standby = startServerProcess([...args, '--standby'], {}, (stdout) => {
        if (stdout.includes('standing by')) announce();
      });
      await standingBy;
      await owner.stop('SIGKILL');
      const successor = await standby;
      try {
        const again = restClient(successor.url);
        expect((await again.get('/alpha/routing/jobs/of-alpha')).status).toBe(200);
        expect((await again.get('/beta/routing/jobs/of-beta')).status).toBe(200);
        expect((await again.get('/beta/routing/jobs/of-alpha')).status).toBe(404);
        expect((await fetch(new URL('/readyz', successor.url))).status).toBe(200);
      } finally {
        await successor.stop();
      }
    });
  });
}
