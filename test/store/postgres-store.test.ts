import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres-store.ts';
import { SCHEMA_VERSION } from '../../src/store/postgres/schema.ts';
import { StoreError } from '../../src/store/store-error.ts';
import type { CommitBatch } from '../../src/store/store.ts';
import { postgresUnavailableReason, startPostgres } from '../support/postgres.ts';
import { describeStoreConformance, event } from './store-conformance.ts';

const unavailable = postgresUnavailableReason();
if (unavailable) console.warn(`Skipping the PostgreSQL store tests: ${unavailable}`);
const cluster = unavailable ? undefined : await startPostgres();
afterAll(() => cluster?.stop());

const batch = (partial: Partial<CommitBatch>): CommitBatch => ({ puts: [], deletes: [], events: [], ...partial });

async function storeError(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

if (!cluster) {
  describe.skip(`PostgreSQL store (skipped: ${unavailable})`, () => {
    it('needs PostgreSQL', () => undefined);
  });
} else {
  const urls = new WeakMap<PostgresStore, string>();
  const openOn = async (url: string, options: Omit<Parameters<typeof PostgresStore.open>[0], 'url'> = {}) => {
    const store = await PostgresStore.open({ url, ...options });
    urls.set(store, url);
    return store;
  };

  describeStoreConformance('postgres', {
    open: async ({ eventRetention, now }) => openOn(await cluster.createDatabase(), { eventRetention, now }),
    reopen: async (store, { eventRetention, now }) => {
      await store.close();
      return openOn(urls.get(store as PostgresStore)!, { eventRetention, now });
    },
  });

  describe('the postgres store owns its database through a lease', () => {
    const commitJob = (store: PostgresStore, id: string, sequence: number) =>
      store.commit(batch({ puts: [{ kind: 'job', id, doc: { v: 1, id } }], events: [event(sequence)] }));
    const leaseRow = async (url: string) => (await sql(url, 'SELECT owner, token::int AS token, backend_pid FROM switchboard_lease')).rows[0];

    it('refuses a second store with StoreLocked naming the owner, and lets it in at once when the owner closes', async () => {
      const url = await cluster.createDatabase();
      const owner = await openOn(url);
      const refused = await storeError(PostgresStore.open({ url }));
      expect(refused.code).toBe('StoreLocked');
      expect(refused.message).toContain(`/${process.pid}`);
      expect(refused.message).toContain('--standby');
      await commitJob(owner, 'a', 1);
      await owner.close();
      const next = await openOn(url);
      expect([...(await next.load()).documents('job')].map(([id]) => id)).toEqual(['a']);
      await next.close();
    });

    it('lets a standby take over as soon as the owner\'s session ends, with a higher token, and refuses the old owner', async () => {
      const url = await cluster.createDatabase();
      const owner = await openOn(url);
      await commitJob(owner, 'before', 1);
      const first = await leaseRow(url);
      let waitingFor: string | undefined;
      const standby = openOn(url, { lease: { wait: true, onWaiting: (who) => (waitingFor = who.owner) } });
      await expect.poll(() => waitingFor, { timeout: 5000 }).toBe(first.owner);
      // As when the owner's process dies: its connection ends, and with it the lock it held.
      await sql(url, 'SELECT pg_terminate_backend(backend_pid) FROM switchboard_lease');
      const successor = await standby;
      expect((await leaseRow(url)).token).toBe(first.token + 1);
      expect((await storeError(commitJob(owner, 'late', 2))).code).toBe('StoreUnreachable');
      expect(owner.failure?.code).toBe('StoreUnreachable');
      const state = await successor.load();
      expect([...state.documents('job')].map(([id]) => id)).toEqual(['before']);
      expect(state.lastSequenceNumber).toBe(1);
      await commitJob(successor, 'after', 2);
      await successor.close();
      await owner.close();
    });

    it('replaces an owner that is alive but silent past its lease: its session is ended and its commits refused', async () => {
      const url = await cluster.createDatabase();
      const owner = await openOn(url, { lease: { ttlMs: 60_000 } });
      await commitJob(owner, 'before', 1);
      // The owner stopped renewing a while ago (paused, partitioned): its lease has run out, its session is still up.
      await sql(url, "UPDATE switchboard_lease SET expires_at = clock_timestamp() - interval '1 second'");
      const successor = await openOn(url);
      expect((await storeError(commitJob(owner, 'late', 2))).code).toMatch(/^Store(Unreachable|LeaseLost)$/);
      expect([...(await successor.load()).documents('job')].map(([id]) => id)).toEqual(['before']);
      await successor.close();
      await owner.close();
    });

    it('refuses, and writes nothing of, a commit made under a token that is no longer the lease\'s', async () => {
      const url = await cluster.createDatabase();
      const owner = await openOn(url);
      await commitJob(owner, 'before', 1);
      // Another Switchboard has taken over by whatever path: the row carries its token now.
      await sql(url, "UPDATE switchboard_lease SET token = token + 1, owner = 'elsewhere'");
      const refused = await storeError(commitJob(owner, 'late', 2));
      expect(refused.code).toBe('StoreLeaseLost');
      expect(owner.failure?.code).toBe('StoreLeaseLost');
      expect((await storeError(commitJob(owner, 'later', 3))).code).toBe('StoreLeaseLost');
      expect((await sql(url, "SELECT id FROM documents WHERE kind = 'job'")).rows).toEqual([{ id: 'before' }]);
      expect((await sql(url, 'SELECT count(*)::int AS n FROM events')).rows[0].n).toBe(1);
      // A store that lost its lease leaves it alone when it closes.
      await owner.close();
      expect((await leaseRow(url)).owner).toBe('elsewhere');
    });

    it('renews an idle owner\'s lease, so that a standby does not take over from a live owner', async () => {
      const url = await cluster.createDatabase();
      const owner = await openOn(url, { lease: { ttlMs: 600 } });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await storeError(PostgresStore.open({ url }))).code).toBe('StoreLocked');
      await commitJob(owner, 'still-mine', 1);
      await owner.close();
    });
  });

  describe('the postgres store across restarts and faults', () => {
    it('continues sequence numbers after a reopen, with the oldest retained number where it was', async () => {
      const url = await cluster.createDatabase();
      const store = await openOn(url, { eventRetention: { count: 2 } });
      await store.commit(batch({ events: [event(1), event(2), event(3)] }));
      await store.close();
      const again = await openOn(url, { eventRetention: { count: 2 } });
      expect((await again.load()).lastSequenceNumber).toBe(3);
      expect(again.oldestRetainedSequence()).toBe(2);
      await again.commit(batch({ events: [event(4)] }));
      expect((await again.readEvents(1, 10)).map((e) => e.sequenceNumber)).toEqual([3, 4]);
      await again.close();
    });

    it('group-commits the batches that arrive while a transaction is in flight', async () => {
      const url = await cluster.createDatabase();
      const store = await openOn(url);
      const commits = Array.from({ length: 20 }, (_, i) => store.commit(batch({ events: [event(i + 1)] })));
      await Promise.all(commits);
      // Batches 2–20 queued behind the first transaction and were written together by the next: xmin names the
      // transaction that inserted a row.
      const { rows } = await sql(url, 'SELECT count(DISTINCT xmin::text) AS transactions FROM events');
      expect(Number(rows[0].transactions)).toBe(2);
      expect((await store.readEvents(1, 100)).map((e) => e.sequenceNumber)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      await store.close();
    });

    it('refuses commits with StoreUnreachable once its connection is terminated, and keeps everything acknowledged', async () => {
      const url = await cluster.createDatabase();
      const store = await openOn(url);
      await store.commit(batch({ puts: [{ kind: 'job', id: 'kept', doc: { v: 1, n: 1 } }], events: [event(1)] }));
      await sql(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
      const refused = await storeError(store.commit(batch({ puts: [{ kind: 'job', id: 'lost', doc: { v: 1 } }], events: [event(2)] })));
      expect(refused.code).toBe('StoreUnreachable');
      // Once refused, refused for good: the router has stopped serving, and this store writes nothing more.
      expect((await storeError(store.commit(batch({ events: [event(2)] })))).code).toBe('StoreUnreachable');
      await store.close();
      const again = await openOn(url);
      const state = await again.load();
      expect([...state.documents('job')]).toEqual([['kept', { v: 1, n: 1 }]]);
      expect(state.lastSequenceNumber).toBe(1);
      await again.close();
    });

    it('refuses commits with StoreUnreachable while the server is down, and opens again once it is back', async () => {
      const url = await cluster.createDatabase();
      const store = await openOn(url);
      const acknowledged = Array.from({ length: 10 }, (_, i) => store.commit(batch({ events: [event(i + 1)] })));
      await Promise.all(acknowledged);
      cluster.halt('immediate');
      try {
        expect((await storeError(store.commit(batch({ events: [event(11)] })))).code).toBe('StoreUnreachable');
        expect((await storeError(PostgresStore.open({ url }))).code).toBe('StoreUnreachable');
      } finally {
        cluster.restart();
      }
      await store.close();
      const again = await openOn(url);
      expect((await again.load()).lastSequenceNumber).toBe(10);
      expect((await again.readEvents(1, 100)).length).toBe(10);
      await again.close();
    });

    it('refuses a database laid out by a newer Switchboard, and leaves it untouched', async () => {
      const url = await cluster.createDatabase();
      await (await openOn(url)).close();
      await sql(url, 'UPDATE switchboard_schema SET version = $1', [SCHEMA_VERSION + 1]);
      const error = await storeError(PostgresStore.open({ url }));
      expect(error.code).toBe('StoreSchemaTooNew');
      expect(error.message).toContain(`layout version ${SCHEMA_VERSION + 1}`);
      expect((await sql(url, 'SELECT version FROM switchboard_schema')).rows).toEqual([{ version: SCHEMA_VERSION + 1 }]);
    });

    it('names the database without its password', async () => {
      const error = await storeError(PostgresStore.open({ url: 'postgres://someone:secret@127.0.0.1:1/nowhere' }));
      expect(error.code).toBe('StoreUnreachable');
      expect(error.message).not.toContain('secret');
      expect(error.message).toContain('someone:***@127.0.0.1:1/nowhere');
    });
  });
}
