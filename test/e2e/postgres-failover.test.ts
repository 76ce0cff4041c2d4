/**
 * Two servers on one PostgreSQL database: the owner serves, a `--standby` waits. Killing the owner (kill -9) or
 * pausing it past its lease (SIGSTOP) hands the database to the standby with everything acknowledged; a paused owner
 * that wakes up has its late commits refused.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresUnavailableReason, startPostgres } from '../support/postgres.ts';
import { openRaw } from './support/raw-http.ts';
import { restClient } from './support/rest-client.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';
import { refusedUpgradeStatus, wsUrlOf } from './support/ws-server.ts';

const unavailable = postgresUnavailableReason();
if (unavailable) console.warn(`Skipping the PostgreSQL failover tests: ${unavailable}`);
const cluster = unavailable ? undefined : await startPostgres();
afterAll(() => cluster?.stop());

const LEASE = ['--lease-ttl', '2s'];

/** Creates a queue and `count` jobs on it through `server`; every one of them acknowledged. */
async function acknowledgedJobs(server: ServerProcess, count: number): Promise<string[]> {
  const rest = restClient(server.url);
  expect((await rest.patch('/routing/distributionPolicies/p', { offerExpiresAfterSeconds: 60, mode: { kind: 'longestIdle' } })).status).toBe(201);
  expect((await rest.patch('/routing/queues/q', { distributionPolicyId: 'p' })).status).toBe(201);
  const ids = Array.from({ length: count }, (_, i) => `job-${i}`);
  for (const id of ids) expect((await rest.patch(`/routing/jobs/${id}`, { queueId: 'q', channelId: 'voice' })).status).toBe(201);
  return ids;
}

/**
 * Starts a standby on `url` and resolves once it says it is waiting, with its address and the promise of its taking
 * over (on the same address).
 */
async function standingBy(url: string): Promise<{ standbyUrl: string; takenOver: Promise<ServerProcess>; child: ChildProcess }> {
  let waiting!: (standing: { standbyUrl: string; child: ChildProcess }) => void;
  const announced = new Promise<{ standbyUrl: string; child: ChildProcess }>((resolve) => (waiting = resolve));
  const takenOver = startServerProcess(['--store', url, '--standby', ...LEASE], {}, (stdout, child) => {
    const standbyUrl = /standing by on (http:\/\/[^\s:]+:\d+)/.exec(stdout)?.[1];
    if (standbyUrl) waiting({ standbyUrl, child });
  });
  const standing = await Promise.race([announced, takenOver.then(() => { throw new Error('took over without standing by'); })]);
  return { ...standing, takenOver };
}

async function expectJobs(server: ServerProcess, ids: readonly string[]): Promise<void> {
  const rest = restClient(server.url);
  for (const id of ids) expect((await rest.get(`/routing/jobs/${id}`)).json).toMatchObject({ id, status: 'queued' });
}

if (!cluster) {
  describe.skip(`failover between servers on one postgres database (skipped: ${unavailable})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
} else {
  describe('failover between servers on one postgres database', () => {
    it('refuses a second server without --standby, naming the owner', async () => {
      const url = await cluster.createDatabase();
      const owner = await startServerProcess(['--store', url]);
      try {
        const second = startServerProcess(['--store', url]);
        await expect(second).rejects.toThrow(/exited with 1[\s\S]*in use by another Switchboard[\s\S]*--standby[\s\S]*StoreLocked/);
      } finally {
        await owner.stop();
      }
    });

    it('has a standby redirect requests to the owner, and refuse WebSocket upgrades, until it takes over', async () => {
      const url = await cluster.createDatabase();
      const owner = await startServerProcess(['--store', url, ...LEASE]);
      const ids = await acknowledgedJobs(owner, 1);
      const { standbyUrl, takenOver } = await standingBy(url);
      try {
        const redirect = await fetch(new URL(`/routing/jobs/${ids[0]}?api-version=2023-11-01`, standbyUrl), { redirect: 'manual' });
        expect(redirect.status).toBe(307);
        expect(redirect.headers.get('location')).toBe(`${owner.url}/routing/jobs/${ids[0]}?api-version=2023-11-01`);
        // A client that follows it (fetch does, keeping method and body on a 307) is served by the owner.
        const followed = await fetch(new URL('/routing/jobs/through-standby?api-version=2023-11-01', standbyUrl), {
          method: 'PATCH',
          headers: { 'content-type': 'application/merge-patch+json' },
          body: JSON.stringify({ queueId: 'q', channelId: 'voice' }),
        });
        expect(followed.status).toBe(201);
        expect((await restClient(owner.url).get('/routing/jobs/through-standby')).status).toBe(200);
        // A path that reads as another host stays on the owner's.
        const raw = await openRaw(standbyUrl);
        raw.write('GET //elsewhere.example/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        expect((await raw.reply()).headers['location']).toBe(`${owner.url}//elsewhere.example/x`);
        raw.socket.destroy();
        const ready = await fetch(new URL('/readyz', standbyUrl));
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ status: 'standby', code: 'NotOwner', ownerUrl: owner.url });
        expect((await fetch(new URL('/healthz', standbyUrl))).status).toBe(200);
        expect(await refusedUpgradeStatus(wsUrlOf(standbyUrl))).toBe(503);
      } catch (error) {
        // The standby would otherwise wait for the database for good.
        void takenOver.then((standby) => standby.stop());
        throw error;
      } finally {
        await owner.stop();
      }
      const successor = await takenOver;
      expect(successor.url).toBe(standbyUrl);
      await successor.stop();
    });

    it('has a standby that receives SIGTERM while it waits exit 0 at once, leaving the owner serving', async () => {
      const url = await cluster.createDatabase();
      const owner = await startServerProcess(['--store', url, ...LEASE]);
      try {
        const { takenOver, child } = await standingBy(url);
        // It never listens as the real server, so it is signalled as the process it is.
        void takenOver.catch(() => undefined);
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        const started = performance.now();
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(performance.now() - started).toBeLessThan(3000);
        expect((await fetch(new URL('/readyz', owner.url))).status).toBe(200);
      } finally {
        await owner.stop();
      }
    });

    it('hands the database to the standby when the owner is killed, with every acknowledged change', async () => {
      const url = await cluster.createDatabase();
      const owner = await startServerProcess(['--store', url, ...LEASE]);
      const ids = await acknowledgedJobs(owner, 20);
      const { takenOver } = await standingBy(url);
      await owner.stop('SIGKILL');
      const successor = await takenOver;
      try {
        expect(successor.output().stdout).toContain('standing by');
        await expectJobs(successor, ids);
        expect((await fetch(new URL('/readyz', successor.url))).status).toBe(200);
        expect((await restClient(successor.url).patch('/routing/jobs/after', { queueId: 'q', channelId: 'voice' })).status).toBe(201);
      } finally {
        await successor.stop();
      }
    });

    it('takes over from an owner paused past its lease, whose commits are refused once it wakes', async () => {
      const url = await cluster.createDatabase();
      const owner = await startServerProcess(['--store', url, ...LEASE]);
      try {
        const ids = await acknowledgedJobs(owner, 5);
        const { takenOver } = await standingBy(url);
        owner.child.kill('SIGSTOP');
        const successor = await takenOver.finally(() => owner.child.kill('SIGCONT'));
        try {
          await expectJobs(successor, ids);
          const late = await restClient(owner.url).patch('/routing/jobs/late', { queueId: 'q', channelId: 'voice' });
          expect(late.status).toBe(503);
          expect(JSON.stringify(late.json)).toContain('StoreUnavailable');
          expect((await fetch(new URL('/readyz', owner.url))).status).toBe(503);
          expect((await restClient(successor.url).get('/routing/jobs/late')).status).toBe(404);
        } finally {
          await successor.stop();
        }
      } finally {
        await owner.stop('SIGKILL');
      }
    });
  });
}
