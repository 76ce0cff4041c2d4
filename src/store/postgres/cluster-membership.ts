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
 * A session that is lost (the database restarted, the connection was cut) is replaced at the next heartbeat, and
 * again at every one after until a new one connects; the node keeps its id. Meanwhile the node serves what it serves
 * but claims and hands over nothing (`live` refuses), and the others count it gone, as they would a dead node.
 */
export class ClusterMembership {
  readonly self: ClusterMember;
  readonly #url: string;
  #session: pg.Client;
  readonly #ttlMs: number;
  readonly #heartbeat: NodeJS.Timeout;
  #failure: Error | undefined;
  /** Set once the session is known gone: the next heartbeat connects a new one. */
  #lost = false;
  #left = false;

  private constructor(url: string, session: pg.Client, self: ClusterMember, ttlMs: number) {
    this.#url = url;
    this.#session = this.#watch(session);
    this.self = self;
    this.#ttlMs = ttlMs;
    this.#heartbeat = setInterval(() => void this.#tick(), ttlMs / 3);
    this.#heartbeat.unref();
  }

  /** Notes the loss of `session` while it is this membership's. */
  #watch(session: pg.Client): pg.Client {
    const lost = (error?: Error) => {
      if (session !== this.#session || this.#left) return;
      this.#lost = true;
      this.#failure = error ?? new Error('the cluster membership session ended');
    };
    session.on('error', lost);
    session.on('end', () => lost());
    return session;
  }

  async #tick(): Promise<void> {
    try {
      if (this.#lost) await this.#reconnect();
      await this.#beat();
    } catch (error) {
      this.#failure = error as Error;
    }
  }

  async #reconnect(): Promise<void> {
    const session = newSession(this.#url);
    try {
      await session.connect();
    } catch (error) {
      await session.end().catch(() => undefined);
      throw error;
    }
    if (this.#left) {
      await session.end().catch(() => undefined);
      return;
    }
    const old = this.#session;
    this.#session = this.#watch(session);
    this.#lost = false;
    await old.end().catch(() => undefined);
  }

  /**
   * Joins the cluster of the database at `url`, advertising `advertiseUrl` for the others to forward to.
   *
   * @throws StoreError `StoreUnreachable` when the database cannot be reached
   */
  static async join(url: string, advertiseUrl: string, ttlMs: number): Promise<ClusterMembership> {
    const session = newSession(url);
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
    const membership = new ClusterMembership(url, session, { id: `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`, url: advertiseUrl }, ttlMs);
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

  /** The live nodes, this one included while its heartbeat goes through; refused while the session is lost. */
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
    this.#left = true;
    clearInterval(this.#heartbeat);
    await this.#session.query('DELETE FROM switchboard_cluster.nodes WHERE node = $1', [this.self.id]).catch(() => undefined);
    await this.#session.end().catch(() => undefined);
  }
}

/** A session of its own; errors are reported through `error` events, which `#watch` handles once it is adopted. */
function newSession(url: string): pg.Client {
  const session = new pg.Client({ connectionString: url, application_name: 'switchboard-cluster' });
  session.on('error', () => undefined);
  return session;
}
