import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterMembership, type ClusterMember } from '../../src/store/postgres/cluster-membership.ts';
import { postgresUnavailableReason, startPostgres } from '../support/postgres.ts';

const unavailable = postgresUnavailableReason();
if (unavailable) console.warn(`Skipping the cluster membership tests: ${unavailable}`);
const cluster = unavailable ? undefined : await startPostgres();
afterAll(() => cluster?.stop());

/** A short lease, so that heartbeats (a third of it) come every 200 ms. */
const TTL_MS = 600;

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** What `live()` answers, or the error it refuses with. */
const liveOrError = (membership: ClusterMembership): Promise<ClusterMember[] | Error> =>
  membership.live().catch((error: unknown) => error as Error);

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const isSelfLive = (membership: ClusterMembership) => (answer: ClusterMember[] | Error) =>
  Array.isArray(answer) && answer.some((member) => member.id === membership.self.id);

if (!cluster) {
  describe.skip(`cluster membership (skipped: ${unavailable})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
} else {
  describe('cluster membership', () => {
    it('a node whose session is cut refuses to place routers, then joins again under the same id on a new session', async () => {
      const url = await cluster.createDatabase();
      const node = await ClusterMembership.join(url, 'http://127.0.0.1:1', TTL_MS);
      const other = await ClusterMembership.join(url, 'http://127.0.0.1:2', TTL_MS);
      try {
        expect((await node.live()).map((member) => member.id).sort()).toEqual([node.self.id, other.self.id].sort());
        const before = node.session;
        await sql(url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ${(await before.query('SELECT pg_backend_pid() AS pid')).rows[0].pid}`);
        // Lost: this node may not act on a view of the cluster it cannot renew, and the others count it gone.
        expect(await eventually(() => liveOrError(node), (answer) => answer instanceof Error, 2_000)).toBeInstanceOf(Error);
        expect((await other.live()).map((member) => member.id)).not.toContain(node.self.id);
        // Back at a following heartbeat, on a session of its own, seen by both.
        expect(await eventually(() => liveOrError(node), isSelfLive(node))).toEqual(expect.arrayContaining([expect.objectContaining({ id: node.self.id })]));
        expect(node.session).not.toBe(before);
        expect(isSelfLive(node)(await other.live())).toBe(true);
      } finally {
        await node.leave();
        await other.leave();
      }
    });

    it('a node comes back after the database itself restarts', async () => {
      const url = await cluster.createDatabase();
      const node = await ClusterMembership.join(url, 'http://127.0.0.1:1', TTL_MS);
      try {
        cluster.halt('immediate');
        expect(await eventually(() => liveOrError(node), (answer) => answer instanceof Error, 2_000)).toBeInstanceOf(Error);
        cluster.restart();
        expect(isSelfLive(node)(await eventually(() => liveOrError(node), isSelfLive(node)))).toBe(true);
      } finally {
        await node.leave();
      }
    });

    it('a node that left does not come back', async () => {
      const url = await cluster.createDatabase();
      const node = await ClusterMembership.join(url, 'http://127.0.0.1:1', TTL_MS);
      const other = await ClusterMembership.join(url, 'http://127.0.0.1:2', TTL_MS);
      try {
        await node.leave();
        await new Promise((resolve) => setTimeout(resolve, TTL_MS));
        expect((await other.live()).map((member) => member.id)).toEqual([other.self.id]);
      } finally {
        await other.leave();
      }
    });
  });
}
