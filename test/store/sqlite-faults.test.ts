import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Router } from '../../src/router.ts';
import { backupDataDir } from '../../src/store/sqlite/backup.ts';
import { DATABASE_FILE } from '../../src/store/sqlite/database.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { StoreError } from '../../src/store/store-error.ts';
import { createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { event } from './store-conformance.ts';

const root = mkdtempSync(join(tmpdir(), 'switchboard-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `d${++dirs}`);

async function storeError(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

describe('the sqlite data directory is used by one server at a time', () => {
  it('refuses a second store on the same directory, and opens once the first has closed', async () => {
    const dataDir = freshDir();
    const first = await SqliteStore.open({ dataDir });
    const refused = await storeError(SqliteStore.open({ dataDir }));
    expect(refused.code).toBe('StoreLocked');
    expect(refused.message).toContain(`pid ${process.pid}`);
    await first.close();
    await (await SqliteStore.open({ dataDir })).close();
  });

  it('is free again once the process holding it is killed with SIGKILL', async () => {
    const dataDir = freshDir();
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `const { SqliteStore } = await import(${JSON.stringify(new URL('../../src/store/sqlite-store.ts', import.meta.url).href)}); await SqliteStore.open({ dataDir: ${JSON.stringify(dataDir)} }); console.log('ready'); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
    expect((await storeError(SqliteStore.open({ dataDir }))).code).toBe('StoreLocked');
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    await (await SqliteStore.open({ dataDir })).close();
  });
});

describe('a database that cannot be used is refused and left untouched', () => {
  it('a file that is not a database', async () => {
    const dataDir = freshDir();
    mkdirSync(dataDir);
    const garbage = Buffer.from('this is not an SQLite database, but somebody may still need it'.repeat(100));
    writeFileSync(join(dataDir, DATABASE_FILE), garbage);
    expect((await storeError(SqliteStore.open({ dataDir }))).code).toBe('StoreCorrupt');
    expect(readFileSync(join(dataDir, DATABASE_FILE)).equals(garbage)).toBe(true);
  });

  it("another program's SQLite database", async () => {
    const dataDir = freshDir();
    mkdirSync(dataDir);
    const other = new Database(join(dataDir, DATABASE_FILE));
    other.exec('CREATE TABLE mine (x); INSERT INTO mine VALUES (1)');
    other.close();
    const before = readFileSync(join(dataDir, DATABASE_FILE));
    expect((await storeError(SqliteStore.open({ dataDir }))).code).toBe('StoreCorrupt');
    expect(readFileSync(join(dataDir, DATABASE_FILE)).equals(before)).toBe(true);
  });

  it('a layout written by a newer Switchboard', async () => {
    const dataDir = freshDir();
    await (await SqliteStore.open({ dataDir })).close();
    const db = new Database(join(dataDir, DATABASE_FILE));
    db.pragma('user_version = 99');
    db.close();
    const error = await storeError(SqliteStore.open({ dataDir }));
    expect(error.code).toBe('StoreSchemaTooNew');
    expect(error.message).toContain('layout version 99');
  });

  it('a document written by a newer Switchboard: the router does not open', async () => {
    const dataDir = freshDir();
    const store = await SqliteStore.open({ dataDir });
    await store.commit({ puts: [{ kind: 'queue', id: 'q', doc: { v: 2, resource: {}, etag: '"x"', lastModified: 0 } }], deletes: [], events: [] });
    await store.close();
    const again = await SqliteStore.open({ dataDir });
    const error = await storeError(Router.open({ store: again }));
    expect(error.code).toBe('StoreSchemaTooNew');
    await again.close();
  });
});

describe('a full disk', () => {
  it('refuses the commit that does not fit, keeps every earlier one, and the router then refuses everything with StoreUnavailable', async () => {
    const dataDir = freshDir();
    const router = await Router.open({ store: await SqliteStore.open({ dataDir, maxSizeBytes: 256 * 1024 }) });
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'kept');
    const huge = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`label${i}`, 'x'.repeat(200)]));
    const refused = await router.upsertJob('too-big', { queueId: 'q', channelId: 'voice', labels: huge }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'StoreUnavailable', status: 503 });
    // Memory holds the refused job, so nothing is served from it: not even reads.
    await expect(router.getQueue('q')).rejects.toMatchObject({ code: 'StoreUnavailable' });
    await expect(router.getJob('kept')).rejects.toMatchObject({ code: 'StoreUnavailable' });
    await expect(router.upsertJob('after', { queueId: 'q', channelId: 'voice' })).rejects.toMatchObject({ code: 'StoreUnavailable' });
    await router.close();

    const restarted = await Router.open({ store: await SqliteStore.open({ dataDir }) });
    expect((await restarted.getJob('kept')).status).toBeDefined();
    await expect(restarted.getJob('too-big')).rejects.toMatchObject({ code: 'NotFound' });
    await expect(restarted.getJob('after')).rejects.toMatchObject({ code: 'NotFound' });
    await restarted.close();
  });
});

describe('backup', () => {
  it('copies a consistent database while commits go on, and a store opens on the copy', async () => {
    const dataDir = freshDir();
    const store = await SqliteStore.open({ dataDir });
    let next = 1;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const batch = Array.from({ length: 20 }, () => event(next++));
        await store.commit({ puts: [{ kind: 'job', id: 'counter', doc: { v: 1, n: next - 1 } }], deletes: [], events: batch });
      }
    })();
    while (next < 2000) await new Promise((resolve) => setTimeout(resolve, 5));
    const file = join(root, `backup-${dirs}.db`);
    await backupDataDir(dataDir, file);
    writing = false;
    await writer;
    await store.close();

    await expect(backupDataDir(dataDir, file)).rejects.toMatchObject({ code: 'StoreWriteFailed' });
    const restoredDir = freshDir();
    mkdirSync(restoredDir);
    copyFileSync(file, join(restoredDir, DATABASE_FILE));
    const restored = await SqliteStore.open({ dataDir: restoredDir });
    const state = await restored.load();
    const numbers = (await restored.readEvents(1, 1_000_000)).map((e) => e.sequenceNumber);
    // One moment's copy: events 1..n without a gap, and the document written in the same batch as event n.
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    expect(state.lastSequenceNumber).toBe(numbers.length);
    expect([...state.documents('job')]).toEqual([['counter', { v: 1, n: numbers.length }]]);
    expect(numbers.length).toBeGreaterThan(0);
    await restored.close();
  });
});
