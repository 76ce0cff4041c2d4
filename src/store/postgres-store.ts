import pg from 'pg';
import type { RouterEvent } from '../protocol/events.schemas.ts';
import { Lease, type LeaseOptions } from './postgres/lease.ts';
import { migrate, redactedUrl, searchPathOption, translate, translatedAsync } from './postgres/schema.ts';
import { StoreError } from './store-error.ts';
import { DOCUMENT_KINDS, type CommitBatch, type DocumentKind, type EventRetention, type Store, type StoredDocument, type StoredState } from './store.ts';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (libpq's URL form, with its query parameters such as `sslmode`). */
  readonly url: string;
  /**
   * The schema holding this store's tables, created if missing: one per router on a server hosting several, so that
   * each has its own documents, events and numbering in one database. Default: the connection's own search path
   * (`public`), as a single-router server uses.
   */
  readonly schema?: string | undefined;
  /** Default: the newest 1,000,000 events, whatever their age. */
  readonly eventRetention?: EventRetention | undefined;
  /** The clock that ages events; default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** How this store owns the database against other Switchboards on it (postgres/lease.ts). */
  readonly lease?: LeaseOptions | undefined;
}

export const DEFAULT_POSTGRES_EVENT_RETENTION: EventRetention = { count: 1_000_000 };

/** A batch as written: serialised up front, so that a document that cannot be written refuses only its own batch. */
interface Prepared {
  readonly puts: ReadonlyArray<readonly [kind: DocumentKind, id: string, doc: string]>;
  readonly deletes: ReadonlyArray<readonly [kind: DocumentKind, id: string]>;
  readonly events: ReadonlyArray<readonly [sequence: number, time: string, event: string]>;
  readonly lastSequence: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * The store on a PostgreSQL database: documents and events in three tables (`postgres/schema.ts`), one connection
 * that writes and a small pool that reads. Batches that arrive while a transaction is in flight wait and are written
 * together in the next one (group commit), so one round of WAL flush serves all of them; each batch is acknowledged
 * only after the COMMIT that holds it has returned. Once the writing connection is lost, or a commit fails, every
 * later commit is refused: the router then serves `StoreUnavailable` until it is restarted, and nothing acknowledged
 * was lost, since an acknowledgement follows the server's COMMIT.
 */
export class PostgresStore implements Store {
  readonly flushTiming = 'immediate';
  /** The URL without its password. */
  readonly where: string;
  readonly #writer: pg.Client;
  readonly #readers: pg.Pool;
  readonly #lease: Lease;
  readonly #renewal: NodeJS.Timeout;
  readonly #retention: EventRetention;
  readonly #now: () => number;
  #queue: Prepared[] = [];
  #writing: Promise<void> | undefined;
  #oldest = 1;
  #lastSequenceNumber = 0;
  #failure: StoreError | undefined;
  #closed: Promise<void> | undefined;

  private constructor(where: string, writer: pg.Client, readers: pg.Pool, lease: Lease, options: PostgresStoreOptions) {
    this.where = where;
    this.#writer = writer;
    this.#readers = readers;
    this.#lease = lease;
    // Commits renew the lease too; this keeps an idle router's. It runs on a reader, never inside a transaction.
    this.#renewal = setInterval(() => {
      // A store that can write nothing more has no use for the lease: left to expire, it frees the database.
      if (this.#failure) return clearInterval(this.#renewal);
      lease.fence(readers, where).catch((error: unknown) => {
        if (error instanceof StoreError && error.code === 'StoreLeaseLost') this.#fail(error);
      });
    }, lease.ttlMs / 3);
    this.#renewal.unref();
    this.#retention = options.eventRetention ?? DEFAULT_POSTGRES_EVENT_RETENTION;
    this.#now = options.now ?? Date.now;
    writer.on('error', (error) => this.#fail(translate(`lost the connection to ${where}`, error)));
    // An idle reader that loses its connection is replaced by the pool on the next read; nothing to do here.
    readers.on('error', () => undefined);
  }

  /**
   * Connects, checks and migrates the database.
   *
   * With `lease.wait`, waits while another Switchboard owns the database, and takes it over when that one stops.
   *
   * @throws StoreError `StoreUnreachable` when the server cannot be reached or refuses the credentials;
   *   `StoreSchemaTooNew` when the database was laid out by a newer Switchboard (it is then left untouched);
   *   `StoreLocked` when another Switchboard owns it and `lease.wait` is not set
   */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const { schema } = options;
    const where = schema === undefined ? redactedUrl(options.url) : `${redactedUrl(options.url)} (schema ${schema})`;
    const connection = { connectionString: options.url, application_name: 'switchboard', ...(schema === undefined ? {} : { options: searchPathOption(schema) }) };
    const writer = new pg.Client(connection);
    const readers = new pg.Pool({ ...connection, max: 2 });
    // Until the store owns it, a connection error arriving as an event is reported by the failing call instead.
    const ignore = () => undefined;
    writer.on('error', ignore);
    try {
      await translatedAsync(`cannot connect to ${where}`, () => writer.connect());
      await migrate(writer, where, schema);
      const lease = await translatedAsync(`cannot take ${where} over`, () => Lease.acquire(writer, where, options.lease));
      const store = new PostgresStore(where, writer, readers, lease, options);
      writer.off('error', ignore);
      await store.#readPosition();
      return store;
    } catch (error) {
      await writer.end().catch(() => undefined);
      await readers.end().catch(() => undefined);
      throw error;
    }
  }

  async #readPosition(): Promise<void> {
    const { rows } = await translatedAsync(`cannot read ${this.where}`, () =>
      this.#writer.query<{ last: string; oldest: string | null }>(
        "SELECT (SELECT value FROM switchboard_meta WHERE key = 'lastSequence') AS last, (SELECT min(sequence_number) FROM events) AS oldest",
      ),
    );
    this.#lastSequenceNumber = Number(rows[0]!.last);
    this.#oldest = rows[0]!.oldest === null ? this.#lastSequenceNumber + 1 : Number(rows[0]!.oldest);
  }

  async load(): Promise<StoredState> {
    // The port's iteration is synchronous, so every document's text is fetched first and parsed as it is iterated.
    const texts = new Map<DocumentKind, Array<[string, string]>>(DOCUMENT_KINDS.map((kind) => [kind, []]));
    const { rows } = await translatedAsync(`cannot read ${this.where}`, () =>
      this.#readers.query<[DocumentKind, string, string]>({ text: 'SELECT kind, id, doc FROM documents ORDER BY kind, id', rowMode: 'array' }),
    );
    for (const [kind, id, doc] of rows) texts.get(kind)?.push([id, doc]);
    const where = this.where;
    return {
      *documents(kind) {
        for (const [id, doc] of texts.get(kind) ?? []) yield [id, parseDocument(where, kind, id, doc)] as const;
      },
      lastSequenceNumber: this.#lastSequenceNumber,
      freshDocuments: true,
    };
  }

  commit(batch: CommitBatch): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    let prepared: Omit<Prepared, 'resolve' | 'reject'>;
    try {
      prepared = {
        puts: batch.puts.map(({ kind, id, doc }) => [kind, id, JSON.stringify(doc)] as const),
        deletes: batch.deletes.map(({ kind, id }) => [kind, id] as const),
        events: batch.events.map((event) => [event.sequenceNumber, event.time, JSON.stringify(event)] as const),
        lastSequence: batch.events.at(-1)?.sequenceNumber ?? 0,
      };
    } catch (error) {
      return Promise.reject(new StoreError('StoreWriteFailed', `commit refused: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...prepared, resolve, reject });
      this.#writing ??= this.#drain();
    });
  }

  /** Writes what is queued, one transaction at a time, until the queue is empty. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue;
      this.#queue = [];
      if (this.#failure) {
        for (const waiting of group) waiting.reject(this.#failure);
        continue;
      }
      try {
        await this.#write(group);
        for (const waiting of group) waiting.resolve();
      } catch (error) {
        const failure = translate(`commit to ${this.where} failed`, error);
        // Without the connection, whether the last COMMIT took effect is unknown: nothing more may be written.
        // Nor after another Switchboard has taken the database over.
        if (failure.code === 'StoreUnreachable' || failure.code === 'StoreLeaseLost') this.#fail(failure);
        for (const waiting of group) waiting.reject(failure);
      }
    }
    this.#writing = undefined;
  }

  /** One transaction for a group of batches; later batches win where they touch the same document. */
  async #write(group: readonly Prepared[]): Promise<void> {
    const documents = new Map<string, readonly [kind: DocumentKind, id: string, doc: string | null]>();
    const events: Array<Prepared['events'][number]> = [];
    let last = this.#lastSequenceNumber;
    for (const batch of group) {
      for (const [kind, id, doc] of batch.puts) documents.set(`${kind}\u0000${id}`, [kind, id, doc]);
      for (const [kind, id] of batch.deletes) documents.set(`${kind}\u0000${id}`, [kind, id, null]);
      for (const event of batch.events) events.push(event);
      if (batch.events.length > 0) last = batch.lastSequence;
    }
    const puts = [...documents.values()].filter(([, , doc]) => doc !== null);
    const deletes = [...documents.values()].filter(([, , doc]) => doc === null);
    const { count, maxAgeMs } = this.#retention;
    const client = this.#writer;
    await client.query('BEGIN');
    try {
      await this.#lease.fence(client, this.where);
      if (puts.length > 0)
        await client.query(
          `INSERT INTO documents (kind, id, doc) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
           ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc`,
          [puts.map(([kind]) => kind), puts.map(([, id]) => id), puts.map(([, , doc]) => doc)],
        );
      if (deletes.length > 0)
        await client.query('DELETE FROM documents WHERE (kind, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))', [
          deletes.map(([kind]) => kind),
          deletes.map(([, id]) => id),
        ]);
      if (events.length > 0) {
        await client.query('INSERT INTO events (sequence_number, time, event) SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[])', [
          events.map(([sequence]) => sequence),
          events.map(([, time]) => time),
          events.map(([, , event]) => event),
        ]);
        await client.query("UPDATE switchboard_meta SET value = $1 WHERE key = 'lastSequence'", [last]);
      }
      await client.query('DELETE FROM events WHERE sequence_number < $1', [last - count + 1]);
      // Events are appended in time order, so the first one young enough to keep bounds the ones to drop.
      if (maxAgeMs !== undefined)
        await client.query(
          'DELETE FROM events WHERE sequence_number < coalesce((SELECT sequence_number FROM events WHERE time >= $1 ORDER BY sequence_number LIMIT 1), $2)',
          [new Date(this.#now() - maxAgeMs).toISOString(), last + 1],
        );
      const { rows } = await client.query<{ oldest: string | null }>('SELECT min(sequence_number) AS oldest FROM events');
      await client.query('COMMIT');
      this.#lastSequenceNumber = last;
      this.#oldest = rows[0]!.oldest === null ? last + 1 : Number(rows[0]!.oldest);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async readEvents(from: number, limit: number): Promise<RouterEvent[]> {
    const { rows } = await translatedAsync(`cannot read events from ${this.where}`, () =>
      this.#readers.query<[string]>({
        text: 'SELECT event FROM events WHERE sequence_number >= $1 ORDER BY sequence_number LIMIT $2',
        values: [from, limit],
        rowMode: 'array',
      }),
    );
    return rows.map(([text]) => JSON.parse(text) as RouterEvent);
  }

  oldestRetainedSequence(): number {
    return this.#oldest;
  }

  /** Waits for the batches already queued, then closes the connections. Safe to call more than once. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#writing;
      clearInterval(this.#renewal);
      if (!this.#failure) await this.#lease.release(this.#writer).catch(() => undefined);
      await this.#writer.end().catch(() => undefined);
      await this.#readers.end().catch(() => undefined);
    })();
    return this.#closed;
  }

  /** Records where this server serves, so that standbys redirect clients to it. */
  advertise(url: string): Promise<void> {
    return translatedAsync(`cannot write to ${this.where}`, () => this.#lease.advertise(this.#readers, url));
  }

  /**
   * Whether this store surely still holds its lease: no failure, and renewed within the lease's ttl by this process's
   * clock. A cluster node serves a router only while it does; commits are fenced either way.
   */
  get leaseHeld(): boolean {
    return this.#failure === undefined && this.#lease.held;
  }

  get failure(): StoreError | undefined {
    return this.#failure;
  }

  #fail(failure: StoreError): void {
    this.#failure ??= failure;
  }
}

function parseDocument(where: string, kind: string, id: string, text: string): StoredDocument {
  try {
    return JSON.parse(text) as StoredDocument;
  } catch {
    throw new StoreError('StoreCorrupt', `${where}: the stored ${kind} ${JSON.stringify(id)} is not valid JSON`);
  }
}
