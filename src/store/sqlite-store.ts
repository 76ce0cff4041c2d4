import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { RouterEvent } from '../protocol/events.schemas.ts';
import { lockDataDir, type DataDirLock } from './sqlite/data-dir-lock.ts';
import { DATABASE_FILE, openDatabase, storeErrorCode, translated } from './sqlite/database.ts';
import { StoreError } from './store-error.ts';
import type { CommitBatch, EventRetention, Store, StoredDocument, StoredState } from './store.ts';

/**
 * How far an acknowledged commit is durable. `full`: the write-ahead log is fsynced before the commit is
 * acknowledged, so it survives a power loss or an OS crash. `normal`: it survives the process being killed (the OS
 * has the write), but the last commits before a power loss may be lost; the database stays consistent either way.
 */
export type SyncLevel = 'full' | 'normal';

export interface SqliteStoreOptions {
  /** Created if missing; holds `switchboard.db` and its write-ahead log. */
  readonly dataDir: string;
  /** Default `full`. */
  readonly sync?: SyncLevel | undefined;
  /** Default: the newest 1,000,000 events, whatever their age. */
  readonly eventRetention?: EventRetention | undefined;
  /** The clock that ages events; default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /**
   * The largest the database may grow, in bytes (SQLite's `max_page_count`): past it a commit fails exactly as on a
   * full disk. Default: no limit but the disk's.
   */
  readonly maxSizeBytes?: number | undefined;
}

/**
 * Documents read per query while loading: enough to amortise the query, few enough that a page's texts die young
 * instead of being promoted to the old generation by a garbage collection in its middle.
 */
const LOAD_PAGE_SIZE = 256;

export const DEFAULT_SQLITE_EVENT_RETENTION: EventRetention = { count: 1_000_000 };

interface WriteAnswer {
  readonly id: number;
  readonly ok: boolean;
  readonly oldest?: number;
  readonly code?: string;
  readonly message?: string;
}

/**
 * The embedded durable store: one SQLite database in WAL mode inside a data directory, locked to one process.
 * Writes happen in a worker thread (`sqlite/writer-thread.js`), one transaction per batch, so the event loop never
 * waits for fsync; commands that arrive while a batch is being written join the next one (group commit, driven by
 * the engine's commit pipeline). Reads (start-up, event replay) use a connection of the main thread, which under
 * WAL never waits for the writer.
 */
export class SqliteStore implements Store {
  readonly flushTiming = 'immediate';
  /** The database file. */
  readonly path: string;
  readonly #reader: Database.Database;
  readonly #writer: Worker;
  readonly #lock: DataDirLock;
  readonly #retention: EventRetention;
  readonly #now: () => number;
  readonly #pending = new Map<number, { resolve: (answer: WriteAnswer) => void; reject: (error: Error) => void }>();
  readonly #readEvents: Database.Statement<[number, number], string>;
  #nextRequest = 0;
  #oldest = 1;
  #lastSequenceNumber = 0;
  #writerFailure: Error | undefined;
  #closed: Promise<void> | undefined;

  private constructor(path: string, reader: Database.Database, writer: Worker, lock: DataDirLock, options: SqliteStoreOptions) {
    this.path = path;
    this.#reader = reader;
    this.#writer = writer;
    this.#lock = lock;
    this.#retention = options.eventRetention ?? DEFAULT_SQLITE_EVENT_RETENTION;
    this.#now = options.now ?? Date.now;
    this.#readEvents = reader.prepare<[number, number], string>('SELECT event FROM events WHERE sequence >= ? ORDER BY sequence LIMIT ?').pluck();
    this.#lastSequenceNumber = Number(reader.prepare("SELECT value FROM meta WHERE key = 'lastSequence'").pluck().get());
    const oldest = reader.prepare('SELECT min(sequence) FROM events').pluck().get() as number | null;
    this.#oldest = oldest ?? this.#lastSequenceNumber + 1;
    writer.on('message', (answer: WriteAnswer) => {
      const waiting = this.#pending.get(answer.id);
      this.#pending.delete(answer.id);
      waiting?.resolve(answer);
    });
    const fail = (error: Error) => {
      this.#writerFailure ??= error;
      for (const waiting of this.#pending.values()) waiting.reject(error);
      this.#pending.clear();
    };
    writer.on('error', (error) => fail(new StoreError('StoreWriteFailed', `the SQLite writer failed: ${error.message}`, { cause: error })));
    writer.on('exit', () => fail(new StoreError('StoreWriteFailed', 'the SQLite writer stopped')));
  }

  /**
   * Opens (creating if needed) the store in `dataDir`: takes the directory's lock, checks and migrates the
   * database, and starts the writer thread.
   *
   * @throws StoreError `StoreLocked` when another process serves from `dataDir`; `StoreCorrupt`, `StoreSchemaTooNew`
   *   or `StoreReadOnly` when the database cannot be used (it is then left untouched)
   */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const { dataDir } = options;
    translated(`cannot create the data directory ${dataDir}`, () => mkdirSync(dataDir, { recursive: true }));
    const lock = translated(`cannot lock the data directory ${dataDir}`, () => lockDataDir(dataDir));
    let reader: Database.Database | undefined;
    try {
      const path = join(dataDir, DATABASE_FILE);
      reader = openDatabase(path);
      const writer = new Worker(new URL('./sqlite/writer-thread.js', import.meta.url), {
        workerData: {
          path,
          synchronous: (options.sync ?? 'full') === 'full' ? 'FULL' : 'NORMAL',
          maxPageCount: options.maxSizeBytes === undefined ? undefined : Math.max(1, Math.floor(options.maxSizeBytes / pageSize(reader))),
        },
      });
      await new Promise<void>((resolve, reject) => {
        writer.once('online', resolve);
        writer.once('error', reject);
      });
      return new SqliteStore(path, reader, writer, lock, options);
    } catch (error) {
      reader?.close();
      lock.release();
      throw error;
    }
  }

  async load(): Promise<StoredState> {
    // Read in keyset pages: a page is one call into SQLite, where stepping a cursor row by row costs a crossing
    // into native code per document, which dominates a restart with a million of them.
    const page = this.#reader
      .prepare<[string, string, number], [string, string]>('SELECT id, doc FROM documents WHERE kind = ? AND id > ? ORDER BY id LIMIT ?')
      .raw();
    const path = this.path;
    return {
      *documents(kind) {
        // Every id is non-empty, so all of them sort after ''.
        let after = '';
        while (true) {
          const rows = translated(`cannot read ${path}`, () => page.all(kind, after, LOAD_PAGE_SIZE));
          for (const [id, doc] of rows) yield [id, parseDocument(path, kind, id, doc)] as const;
          if (rows.length < LOAD_PAGE_SIZE) return;
          after = rows[rows.length - 1]![0];
        }
      },
      lastSequenceNumber: this.#lastSequenceNumber,
      freshDocuments: true,
    };
  }

  async commit(batch: CommitBatch): Promise<void> {
    if (this.#writerFailure) throw this.#writerFailure;
    const last = batch.events.at(-1)?.sequenceNumber ?? this.#lastSequenceNumber;
    const { count, maxAgeMs } = this.#retention;
    const answer = await this.#send({
      puts: batch.puts.map(({ kind, id, doc }) => [kind, id, JSON.stringify(doc)]),
      deletes: batch.deletes.map(({ kind, id }) => [kind, id]),
      events: batch.events.map((event) => [event.sequenceNumber, Date.parse(event.time), JSON.stringify(event)]),
      lastSequence: last,
      keepFromSequence: last - count + 1,
      keepNewerThan: maxAgeMs === undefined ? null : this.#now() - maxAgeMs,
    });
    if (!answer.ok) throw new StoreError(storeErrorCode(answer.code), `commit failed: ${answer.message} (${answer.code})`);
    this.#lastSequenceNumber = last;
    this.#oldest = answer.oldest ?? this.#oldest;
  }

  async readEvents(from: number, limit: number): Promise<RouterEvent[]> {
    const rows = translated(`cannot read events from ${this.path}`, () => this.#readEvents.all(from, limit));
    return rows.map((row) => JSON.parse(row) as RouterEvent);
  }

  oldestRetainedSequence(): number {
    return this.#oldest;
  }

  /**
   * Waits for the batches already sent, stops the writer, closes the database and releases the directory. Safe to
   * call more than once.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (!this.#writerFailure) await this.#send({ close: true }).catch(() => undefined);
      await this.#writer.terminate();
      this.#reader.close();
      this.#lock.release();
    })();
    return this.#closed;
  }

  #send(request: object): Promise<WriteAnswer> {
    const id = ++this.#nextRequest;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#writer.postMessage({ ...request, id });
    });
  }
}

function pageSize(db: Database.Database): number {
  return db.pragma('page_size', { simple: true }) as number;
}

function parseDocument(path: string, kind: string, id: string, text: string): StoredDocument {
  try {
    return JSON.parse(text) as StoredDocument;
  } catch {
    throw new StoreError('StoreCorrupt', `${path}: the stored ${kind} ${JSON.stringify(id)} is not valid JSON`);
  }
}
