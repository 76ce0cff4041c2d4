import { join, resolve } from 'node:path';
import { MemoryStore } from './memory-store.ts';
import { DEFAULT_POSTGRES_EVENT_RETENTION, PostgresStore } from './postgres-store.ts';
import type { DatabaseOwner, LeaseOptions } from './postgres/lease.ts';
import { redactedUrl } from './postgres/schema.ts';
import { DEFAULT_SQLITE_EVENT_RETENTION, SqliteStore, type SyncLevel } from './sqlite-store.ts';
import type { Store } from './store.ts';

/** Where the server keeps its state, as `switchboard serve` is configured. */
export type StoreConfig =
  | { readonly kind: 'memory'; readonly eventRetention: number | undefined; readonly eventMaxAgeMs: number | undefined }
  | {
      readonly kind: 'sqlite';
      readonly dataDir: string;
      readonly sync: SyncLevel;
      readonly eventRetention: number | undefined;
      readonly eventMaxAgeMs: number | undefined;
      readonly maxSizeBytes: number | undefined;
    }
  | {
      readonly kind: 'postgres';
      /** `postgres://user:password@host:port/database`. */
      readonly url: string;
      /** The schema of the tables; absent for a single-router server (the connection's default, `public`). */
      readonly schema?: string | undefined;
      readonly eventRetention: number | undefined;
      readonly eventMaxAgeMs: number | undefined;
      /** Whether to stand by while another Switchboard owns the database, and the owner's lease. */
      readonly lease: Pick<LeaseOptions, 'wait' | 'ttlMs'>;
      /** Where standbys send clients while this server owns the database; default its own address. */
      readonly advertiseUrl: string | undefined;
    };

/** The data directory of `switchboard serve` when none is given: `switchboard-data` in the working directory. */
export const DEFAULT_DATA_DIR = 'switchboard-data';

/**
 * Opens the configured store. A postgres store standing by calls `onWaiting` once, with the database's owner.
 *
 * @throws StoreError when a durable store cannot be opened (see `SqliteStore.open`, `PostgresStore.open`)
 */
export async function openStore(config: StoreConfig, onWaiting?: (owner: DatabaseOwner) => void): Promise<Store> {
  if (config.kind === 'memory') return new MemoryStore({ eventRetention: config.eventRetention, eventMaxAgeMs: config.eventMaxAgeMs });
  if (config.kind === 'postgres')
    return PostgresStore.open({
      url: config.url,
      schema: config.schema,
      eventRetention: { count: config.eventRetention ?? DEFAULT_POSTGRES_EVENT_RETENTION.count, maxAgeMs: config.eventMaxAgeMs },
      lease: { ...config.lease, onWaiting },
    });
  return SqliteStore.open({
    dataDir: resolve(config.dataDir),
    sync: config.sync,
    eventRetention: { count: config.eventRetention ?? DEFAULT_SQLITE_EVENT_RETENTION.count, maxAgeMs: config.eventMaxAgeMs },
    maxSizeBytes: config.maxSizeBytes,
  });
}

/**
 * Where one router of a server hosting several keeps its state, given where the server keeps it: SQLite, its own
 * data directory `<data-dir>/routers/<name>/` (its own file, lock, write-ahead log and backup); PostgreSQL, its own
 * schema `<name>` in the database; memory, its own store. So each router has its own documents, events and numbering.
 */
export function routerStoreConfig(config: StoreConfig, name: string): StoreConfig {
  switch (config.kind) {
    case 'memory':
      return config;
    case 'sqlite':
      return { ...config, dataDir: join(config.dataDir, ROUTERS_DIR, name) };
    case 'postgres':
      return { ...config, schema: name };
  }
}

/** The directory under a data directory that holds one directory per router. */
export const ROUTERS_DIR = 'routers';

/** How the start-up line says where state lives: never with a database password. */
export function describeStore(config: StoreConfig): string {
  switch (config.kind) {
    case 'memory':
      return 'state in memory only (lost when the server stops)';
    case 'sqlite':
      return `data in ${resolve(config.dataDir)} (sqlite, sync ${config.sync})`;
    case 'postgres':
      return `data in the PostgreSQL database ${redactedUrl(config.url)}${config.schema === undefined ? '' : `, schema ${config.schema}`}`;
  }
}
