import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { translatedAsync } from './schema.ts';

/** One node of a cluster, as the others see it. */
export interface ClusterMember {
  /** `host/pid/random`: unique to this process, stable while it runs. */
  readonly id: string;
  readonly url: string;
}

/** Any number: serialises the creation of the table by nodes starting together. */
const MEMBERSHIP_LOCK = 0x53574243_01;

/**
 * The nodes of a cluster, as each sees the others: a row per node in `switchboard_cluster.nodes`, renewed every third
 * of the lease ttl by the node's own session. A node is live while its row is fresh **and** the session that wrote it
 * is still connected, so a node killed outright (its TCP connection reset) drops out at once rather than after the
 * ttl. The schema's name has an underscore, which no router name may have, so it can never be a router's.
 *
 * Its session is not reconnected: a node that lost it serves what it serves but claims and hands over nothing more,
 * and drops out of the others' view, until it is restarted.
 */
export class ClusterMembership {
  readonly self: ClusterMember;
  readonly #session: pg.Client;
  readonly #ttlMs: number;
  readonly #heartbeat: NodeJS.Timeout;
  #failure: Error | undefined;

  private constructor(session: pg.Client, self: ClusterMember, ttlMs: number) {
    this.#session = session;
    this.self = self;
    this.#ttlMs = ttlMs;
    this.#heartbeat = setInterval(() => void this.#beat().catch((error: unknown) => (this.#failure = error as Error)), ttlMs / 3);
    this.#heartbeat.unref();
  }

  /**
   * Joins the cluster of the database at `url`, advertising `advertiseUrl` for the others to forward to.
   *
   * @throws StoreError `StoreUnreachable` when the database cannot be reached
   */
  static async join(url: string, advertiseUrl: string, ttlMs: number): Promise<ClusterMembership> {
    const session = new pg.Client({ connectionString: url, application_name: 'switchboard-cluster' });
    session.on('error', () => undefined);
    await translatedAsync('cannot join the cluster', async () => {
      await session.connect();
      await session.query('BEGIN');
      await session.query('SELECT pg_advisory_xact_lock($1)', [MEMBERSHIP_LOCK]);
      await session.query('CREATE SCHEMA IF NOT EXISTS switchboard_cluster');
      await session.query(
        `CREATE TABLE IF NOT EXISTS switchboard_cluster.nodes (
           node text PRIMARY KEY, url text NOT NULL, backend_pid integer NOT NULL, heartbeat_at timestamptz NOT NULL)`,
      );
      await session.query('COMMIT');
    });
    const membership = new ClusterMembership(session, { id: `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`, url: advertiseUrl }, ttlMs);
    await translatedAsync('cannot join the cluster', () => membership.#beat());
    return membership;
  }

  async #beat(): Promise<void> {
    await this.#session.query(
      `INSERT INTO switchboard_cluster.nodes (node, url, backend_pid, heartbeat_at) VALUES ($1, $2, pg_backend_pid(), clock_timestamp())
       ON CONFLICT (node) DO UPDATE SET url = excluded.url, backend_pid = excluded.backend_pid, heartbeat_at = excluded.heartbeat_at`,
      [this.self.id, this.self.url],
    );
    // Rows of nodes long gone, so that the table stays the size of the cluster.
    await this.#session.query("DELETE FROM switchboard_cluster.nodes WHERE heartbeat_at < clock_timestamp() - interval '1 hour'");
    this.#failure = undefined;
  }

  /** The live nodes, this one included while its heartbeat goes through. */
  async live(): Promise<ClusterMember[]> {
    if (this.#failure) throw this.#failure;
    const { rows } = await this.#session.query<{ node: string; url: string }>(
      `SELECT node, url FROM switchboard_cluster.nodes
       WHERE heartbeat_at > clock_timestamp() - $1 * interval '1 millisecond' AND backend_pid IN (SELECT pid FROM pg_stat_activity)
       ORDER BY node`,
      [this.#ttlMs],
    );
    return rows.map(({ node, url }) => ({ id: node, url }));
  }

  /** The session, for reading routers' leases too (`observeLease`). */
  get session(): pg.Client {
    return this.#session;
  }

  /** Leaves at once: the others stop counting on this node before its routers are given up. */
  async leave(): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#session.query('DELETE FROM switchboard_cluster.nodes WHERE node = $1', [this.self.id]).catch(() => undefined);
    await this.#session.end().catch(() => undefined);
  }
}
