import Database from 'better-sqlite3';
import { StoreError, type StoreErrorCode } from '../store-error.ts';

/** The database file inside a data directory. */
export const DATABASE_FILE = 'switchboard.db';

/** `PRAGMA application_id` of a Switchboard database ('SWBD'), so that another program's SQLite file is refused. */
export const APPLICATION_ID = 0x53574244;

/**
 * The layout version, kept in `PRAGMA user_version`. `MIGRATIONS[n]` takes a database from version `n` to `n + 1`;
 * a new database runs them all. A database of a higher version than this code knows is refused, never rewritten.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
   INSERT INTO meta (key, value) VALUES ('lastSequence', 0);
   CREATE TABLE documents (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
   CREATE TABLE events (sequence INTEGER PRIMARY KEY, at INTEGER NOT NULL, event TEXT NOT NULL);`,
];
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens an existing or new Switchboard database and brings its layout up to date. Checks come before any write, so
 * a file that is not ours, damaged or newer is left exactly as it was.
 *
 * @throws StoreError `StoreCorrupt`, `StoreSchemaTooNew`, `StoreReadOnly`
 */
export function openDatabase(path: string, options: { readonly readonly?: boolean } = {}): Database.Database {
  const db = translated(`cannot open ${path}`, () => new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, timeout: 5000 }));
  try {
    const version = translated(`cannot read ${path}`, () => db.pragma('user_version', { simple: true }) as number);
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const isEmpty = version === 0 && (db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number) === 0;
    if (!isEmpty && applicationId !== APPLICATION_ID)
      throw new StoreError('StoreCorrupt', `${path} is not a Switchboard database (application_id ${applicationId}); it was left untouched`);
    if (version > SCHEMA_VERSION)
      throw new StoreError(
        'StoreSchemaTooNew',
        `${path} has layout version ${version}, written by a newer Switchboard; this one reads up to ${SCHEMA_VERSION}. It was left untouched`,
      );
    if (options.readonly) return db;
    translated(`cannot write ${path}`, () => {
      db.pragma('journal_mode = WAL');
      for (let from = version; from < SCHEMA_VERSION; from++)
        db.transaction(() => {
          db.exec(MIGRATIONS[from]!);
          db.pragma(`user_version = ${from + 1}`);
          db.pragma(`application_id = ${APPLICATION_ID}`);
        })();
    });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** SQLite's result codes as better-sqlite3 reports them, and file-system error codes, in the store's terms. */
export function storeErrorCode(sqliteCode: string | undefined): StoreErrorCode {
  if (sqliteCode === undefined) return 'StoreWriteFailed';
  if (sqliteCode === 'EACCES' || sqliteCode === 'EROFS' || sqliteCode === 'EPERM') return 'StoreReadOnly';
  if (sqliteCode.startsWith('SQLITE_CORRUPT') || sqliteCode === 'SQLITE_NOTADB') return 'StoreCorrupt';
  if (sqliteCode.startsWith('SQLITE_READONLY') || sqliteCode.startsWith('SQLITE_CANTOPEN') || sqliteCode.startsWith('SQLITE_PERM'))
    return 'StoreReadOnly';
  if (sqliteCode.startsWith('SQLITE_BUSY')) return 'StoreLocked';
  return 'StoreWriteFailed';
}

/** Runs `action`, turning SQLite's errors into StoreErrors that say what was being done. */
export function translated<T>(doing: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    throw new StoreError(storeErrorCode(code), `${doing}: ${message}${code ? ` (${code})` : ''}`, { cause: error });
  }
}
