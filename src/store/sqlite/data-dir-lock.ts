import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../store-error.ts';

/** The lock file, and the file naming the process that holds it. */
export const LOCK_FILE = 'switchboard.lock';
const PID_FILE = 'switchboard.pid';

/** Held while a store serves from a data directory; released by `release()` or when the process ends, however. */
export interface DataDirLock {
  release(): void;
}

/**
 * Takes the data directory for this process. The lock is an exclusive SQLite lock on a file of its own (an OS
 * advisory lock underneath), so it is released by the kernel when the holder dies, even by `kill -9`: no stale lock
 * to clean up by hand. Backups read the database itself and do not need it.
 *
 * @throws StoreError `StoreLocked` when another process (or another store in this one) holds it
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const db = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = MEMORY');
    // The first write takes the lock; in exclusive mode it is kept after the commit, until the connection closes.
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder; COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      const holder = readHolder(dataDir);
      throw new StoreError('StoreLocked', `the data directory ${dataDir} is in use by another Switchboard${holder ? ` (pid ${holder})` : ''}`);
    }
    throw error;
  }
  writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`);
  return { release: () => db.close() };
}

function readHolder(dataDir: string): string | undefined {
  try {
    return readFileSync(join(dataDir, PID_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
