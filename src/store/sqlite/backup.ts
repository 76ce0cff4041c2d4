import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DATABASE_FILE, openDatabase } from './database.ts';
import { StoreError } from '../store-error.ts';

/**
 * Copies the database of `dataDir` to `file` with SQLite's online backup API, while a server may be writing to it.
 * All pages are copied in one step, under one read transaction of the write-ahead log, so the copy is the database
 * as of one commit and the server's writes are never blocked. The copy is then checked before it is reported done.
 *
 * @throws StoreError `StoreCorrupt` or `StoreSchemaTooNew` when the source is not a database this version can copy,
 *   `StoreWriteFailed` when `file` already exists or cannot be written
 */
export async function backupDataDir(dataDir: string, file: string): Promise<{ pages: number }> {
  const source = join(dataDir, DATABASE_FILE);
  if (!existsSync(source)) throw new StoreError('StoreCorrupt', `there is no ${DATABASE_FILE} in ${resolve(dataDir)}`);
  if (existsSync(file)) throw new StoreError('StoreWriteFailed', `${resolve(file)} already exists; a backup never overwrites a file`);
  const db = openDatabase(source, { readonly: true });
  try {
    const { totalPages } = await db.backup(file, { progress: () => ALL_PAGES }).catch((error: Error) => {
      throw new StoreError('StoreWriteFailed', `cannot write the backup ${resolve(file)}: ${error.message}`, { cause: error });
    });
    const copy = openDatabase(file, { readonly: true });
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new StoreError('StoreCorrupt', `the backup ${resolve(file)} does not pass SQLite's check: ${String(check)}`);
    } finally {
      copy.close();
    }
    return { pages: totalPages };
  } finally {
    db.close();
  }
}

/** Pages per backup step: everything, so that the copy is taken in one read transaction. */
const ALL_PAGES = 0x7fffffff;
