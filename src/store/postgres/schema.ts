import type pg from 'pg';
import { StoreError, type StoreErrorCode } from '../store-error.ts';

/**
 * The layout version, kept in `switchboard_schema`. `MIGRATIONS[n]` takes a database from version `n` to `n + 1`;
 * a new database runs them all. A database of a higher version than this code knows is refused, never rewritten.
 *
 * Documents and events are kept as JSON text rather than `jsonb`: the store hands them back exactly as written
 * (`jsonb` reorders keys and refuses `\u0000`), and nothing queries inside them.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE switchboard_meta (key text PRIMARY KEY, value bigint NOT NULL);
   INSERT INTO switchboard_meta (key, value) VALUES ('lastSequence', 0);
   CREATE TABLE documents (kind text NOT NULL, id text COLLATE "C" NOT NULL, doc text NOT NULL, PRIMARY KEY (kind, id));
   CREATE TABLE events (sequence_number bigint PRIMARY KEY, time timestamptz NOT NULL, event text NOT NULL);`,
  // Who may write (postgres/lease.ts): one row, its token raised at every change of owner.
  `CREATE TABLE switchboard_lease (
     only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
     owner text NOT NULL, owner_url text NOT NULL, backend_pid integer NOT NULL, token bigint NOT NULL,
     expires_at timestamptz NOT NULL);
   INSERT INTO switchboard_lease (owner, owner_url, backend_pid, token, expires_at) VALUES ('', '', 0, 0, '-infinity');`,
];
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Any number, so that two servers migrating the same database at once take turns. */
const MIGRATION_LOCK = 0x53574244;

/**
 * Checks the database's layout and brings it up to date, in one transaction under an advisory lock. A database with
 * a newer layout is left as it was. With `schema`, the layout is that schema's, created if missing (the connection's
 * `search_path` names it: see {@link searchPathOption}).
 *
 * @throws StoreError `StoreSchemaTooNew`, or what `storeErrorCode` makes of the server's refusal
 */
export async function migrate(client: pg.Client, where: string, schema?: string): Promise<void> {
  await translatedAsync(`cannot prepare ${where}`, async () => {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      // Under the lock, so that two servers creating the same router's schema at once do not collide.
      if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quotedSchema(schema)}`);
      await client.query('CREATE TABLE IF NOT EXISTS switchboard_schema (version integer NOT NULL)');
      const rows = (await client.query<{ version: number }>('SELECT version FROM switchboard_schema')).rows;
      const version = rows[0]?.version ?? 0;
      if (version > SCHEMA_VERSION)
        throw new StoreError(
          'StoreSchemaTooNew',
          `${where} has layout version ${version}, written by a newer Switchboard; this one reads up to ${SCHEMA_VERSION}. It was left untouched`,
        );
      for (let from = version; from < SCHEMA_VERSION; from++) await client.query(MIGRATIONS[from]!);
      if (rows.length === 0) await client.query('INSERT INTO switchboard_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
      else if (version < SCHEMA_VERSION) await client.query('UPDATE switchboard_schema SET version = $1', [SCHEMA_VERSION]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/** A schema name the store accepts: a router name (lower-case letters, digits, hyphens), so quoting it is enough. */
const SCHEMA_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function quotedSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`not a schema name a router may have: ${JSON.stringify(schema)}`);
  return `"${schema}"`;
}

/**
 * The connection option that makes every unqualified table name resolve in `schema`: set when the connection starts,
 * so no query of that connection can run before it (as one could after a `SET` sent on connecting).
 */
export function searchPathOption(schema: string): string {
  return `-c search_path=${quotedSchema(schema)}`;
}

/**
 * PostgreSQL's SQLSTATEs and the driver's socket errors in the store's terms: a server that cannot be reached or
 * went away is `StoreUnreachable`; a read-only or full server, `StoreReadOnly` and `StoreWriteFailed`.
 */
export function storeErrorCode(error: unknown): StoreErrorCode {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return isConnectionFailure(error) ? 'StoreUnreachable' : 'StoreWriteFailed';
  // 08: connection exception; 57P: operator intervention (shutdown, terminated backend); 53: insufficient resources
  // is a full disk or too many connections, which is a write failure for the first and unreachable for the second.
  if (code.startsWith('08') || code.startsWith('57P') || code === '53300' || /^E[A-Z]+$/.test(code)) return 'StoreUnreachable';
  if (code === '25006' || code === '42501') return 'StoreReadOnly';
  if (code === '3D000' || code === '28000' || code === '28P01') return 'StoreUnreachable';
  return 'StoreWriteFailed';
}

/** The driver reports a dropped or refused connection as a plain Error without a SQLSTATE. */
function isConnectionFailure(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /Connection terminated|connection.*(ended|closed)|Client has encountered a connection error|not queryable/i.test(message);
}

/** Runs `action`, turning the driver's errors into StoreErrors that say what was being done. */
export async function translatedAsync<T>(doing: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw translate(doing, error);
  }
}

export function translate(doing: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(storeErrorCode(error), `${doing}: ${message}${code ? ` (${code})` : ''}`, { cause: error });
}

/** The URL without its password, for logs and messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
