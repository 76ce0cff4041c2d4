import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { describeStoreConformance } from './store-conformance.ts';

const root = mkdtempSync(join(tmpdir(), 'switchboard-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let next = 0;

describeStoreConformance('sqlite', {
  open: async ({ eventRetention, now }) => SqliteStore.open({ dataDir: join(root, `d${++next}`), eventRetention, now }),
  reopen: async (store: Store, { eventRetention, now }) => {
    await store.close();
    return SqliteStore.open({ dataDir: join((store as SqliteStore).path, '..'), eventRetention, now });
  },
});
