import { hostname } from 'node:os';
import type pg from 'pg';
import { StoreError } from '../store-error.ts';
import { quotedSchema } from './schema.ts';

/**
 * Which Switchboard writes to a database: one owner at a time, through a lease row (`switchboard_lease`) whose
 * fencing token grows by one at every change of owner.
 *
 * - The owner's writing session holds a session advisory lock. It is released the moment that session ends, so a
 *   crashed owner (kill -9, OOM, a lost host whose TCP connection is reset) is replaced at once.
 * - An owner that is alive but silent (paused, partitioned, stuck) still holds the lock, but stops renewing the
 *   lease; once the lease has expired a successor terminates the old owner's session and takes over.
 * - Every commit starts by renewing the lease under the token it was granted (`fence`). A transaction of an old owner
 *   that lost the lease, by whichever path, finds another token and is refused: it can never commit.
 */
export interface LeaseOptions {
  /** How long a lease lasts without renewal. A silent owner is replaced after this; default 5 s. */
  readonly ttlMs?: number | undefined;
  /** While another Switchboard owns the database: wait to take over (a standby) rather than refuse. */
  readonly wait?: boolean | undefined;
  /** Called while a standby waits, with who owns the database: when it starts waiting, and whenever that changes. */
  readonly onWaiting?: ((owner: DatabaseOwner) => void) | undefined;
}

/** Who owns a database: `host/pid`, and the address it serves at once it has said (`''` until then). */
export interface DatabaseOwner {
  readonly owner: string;
  readonly url: string;
}

export const DEFAULT_LEASE_TTL_MS = 5000;
/** How often a waiting standby looks again. */
const STANDBY_POLL_MS = 250;
/** Any number; the second half of the key is the schema, so that each schema has its own owner. */
const OWNER_LOCK = 0x53574243;

interface LeaseRow extends DatabaseOwner {
  readonly expired: boolean;
  readonly expiresAt: string;
}

/** An owned lease: its token, and the statements that keep and check it. */
export class Lease {
  readonly token: number;
  readonly ttlMs: number;
  readonly owner: string;
  /**
   * Until when (`performance.now()`) this owner can be sure no other holds the lease: the ttl counted from the moment
   * the last renewal was sent, which is before the database started counting its own. A paused process finds it
   * past as soon as it wakes, before it could serve anything from memory.
   */
  #heldUntil: number;

  private constructor(token: number, ttlMs: number, owner: string, sentAt: number) {
    this.token = token;
    this.ttlMs = ttlMs;
    this.owner = owner;
    this.#heldUntil = sentAt + ttlMs;
  }

  /** Whether the lease is surely still this owner's now (see `#heldUntil`); fencing stays the guarantee. */
  get held(): boolean {
    return performance.now() < this.#heldUntil;
  }

  /**
   * Takes the lease on `session`, the connection that will write, which keeps the owner lock until it ends.
   *
   * @throws StoreError `StoreLocked` when another live Switchboard owns the database and `wait` is not set
   */
  static async acquire(session: pg.Client, where: string, options: LeaseOptions = {}): Promise<Lease> {
    const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    const owner = `${hostname()}/${process.pid}`;
    let announced: string | undefined;
    for (;;) {
      const { rows } = await session.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1, hashtext(current_schema())) AS locked", [OWNER_LOCK]);
      if (rows[0]!.locked) {
        const sentAt = performance.now();
        const taken = await session.query<{ token: string }>(
          `UPDATE switchboard_lease SET owner = $1, owner_url = '', backend_pid = pg_backend_pid(), token = token + 1,
             expires_at = clock_timestamp() + $2 * interval '1 millisecond' RETURNING token`,
          [owner, ttlMs],
        );
        return new Lease(Number(taken.rows[0]!.token), ttlMs, owner, sentAt);
      }
      const held = await readLease(session);
      if (held.expired) {
        // Alive but silent past its lease: its session still holds the lock, so it is ended. Whatever that owner
        // sends later is refused by the token it no longer has.
        await session.query(
          `SELECT pg_terminate_backend(lock.pid) FROM pg_locks lock JOIN switchboard_lease lease ON lock.pid = lease.backend_pid
           WHERE lock.locktype = 'advisory' AND lock.granted AND lock.classid = $1::integer::oid`,
          [OWNER_LOCK],
        );
      } else if (!options.wait) {
        throw new StoreError(
          'StoreLocked',
          `${where} is in use by another Switchboard (${held.owner}, lease until ${held.expiresAt}); start this one with --standby to take over when it stops`,
        );
      } else if (announced !== `${held.owner} ${held.url}`) {
        announced = `${held.owner} ${held.url}`;
        options.onWaiting?.({ owner: held.owner, url: held.url });
      }
      await new Promise((resolve) => setTimeout(resolve, STANDBY_POLL_MS));
    }
  }

  /**
   * Renews the lease inside the caller's transaction, as its first statement: the row lock it takes makes a
   * takeover wait for this transaction, and a takeover that came first leaves no row with this token.
   *
   * @throws StoreError `StoreLeaseLost` when another Switchboard has taken the database over
   */
  async fence(client: pg.Client | pg.Pool, where: string): Promise<void> {
    const sentAt = performance.now();
    const { rowCount } = await client.query(
      `UPDATE switchboard_lease SET expires_at = clock_timestamp() + $2 * interval '1 millisecond'
       WHERE token = $1 AND expires_at > clock_timestamp()`,
      [this.token, this.ttlMs],
    );
    if (rowCount === 0)
      throw new StoreError('StoreLeaseLost', `${where} was taken over by another Switchboard: this one (${this.owner}, lease ${this.token}) may write nothing more`);
    this.#heldUntil = Math.max(this.#heldUntil, sentAt + this.ttlMs);
  }

  /** Says where this owner serves, for standbys to send clients there. */
  async advertise(client: pg.Client | pg.Pool, url: string): Promise<void> {
    await client.query('UPDATE switchboard_lease SET owner_url = $2 WHERE token = $1', [this.token, url]);
  }

  /** Gives the lease up, so that a standby takes over at once instead of after the lease would have expired. */
  async release(session: pg.Client): Promise<void> {
    await session.query("UPDATE switchboard_lease SET expires_at = '-infinity' WHERE token = $1", [this.token]);
  }
}

/** A schema's lease as another node sees it: who holds it, and whether it is free to take. */
export interface LeaseState extends DatabaseOwner {
  /** Nobody holds it: no owner session keeps the lock, or the owner let it expire (paused, cut off, gave it up). */
  readonly free: boolean;
}

/**
 * Reads the lease of `schema` without taking anything: a node of a cluster looks before it claims. A schema not
 * created yet is free, with no owner.
 */
export async function observeLease(client: pg.Client | pg.Pool, schema: string): Promise<LeaseState> {
  const { rows } = await client.query<{ owner: string; owner_url: string; free: boolean }>(
    `SELECT owner, owner_url, expires_at <= clock_timestamp() OR NOT EXISTS (
       SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1::integer::oid
         AND objid = hashtext($2)::oid AND objsubid = 2) AS free
     FROM ${quotedSchema(schema)}.switchboard_lease`,
    [OWNER_LOCK, schema],
  ).catch((error: unknown) => {
    // 42P01: no such table yet, the schema was never served.
    if ((error as { code?: string }).code === '42P01') return { rows: [] };
    throw error;
  });
  const row = rows[0];
  return row === undefined ? { owner: '', url: '', free: true } : { owner: row.owner, url: row.owner_url, free: row.free };
}

async function readLease(session: pg.Client): Promise<LeaseRow> {
  const { rows } = await session.query<{ owner: string; owner_url: string; expired: boolean; expires_at: string }>(
    'SELECT owner, owner_url, expires_at <= clock_timestamp() AS expired, expires_at::text FROM switchboard_lease',
  );
  const row = rows[0]!;
  return { owner: row.owner, url: row.owner_url, expired: row.expired, expiresAt: row.expires_at };
}
