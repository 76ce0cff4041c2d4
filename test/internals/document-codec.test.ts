import { describe, expect, it } from 'vitest';
import { decodeDocument, DOCUMENT_VERSION, encodeJob, encodeResource, encodeWorker } from '../../src/engine/document-codec.ts';
import type { StoredDocument } from '../../src/store/store.ts';
import { createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { openTestRouter } from '../support/router-fixture.ts';

const throughJson = (doc: StoredDocument): StoredDocument => JSON.parse(JSON.stringify(doc)) as StoredDocument;

describe('the document codec', () => {
  it('a worker reads back with its derived matching view (channels and queues were a Map and a Set)', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w', { capacity: 10, channels: { voice: 5, chat: 2 } });
    await createJob(router, 'j');
    const record = router.engine.actors.workerRecord('w')!;
    const decoded = decodeDocument('worker', 'w', throughJson(encodeWorker(record)));
    expect(decoded).toEqual(record);
    expect(decoded.context.channels).toBeInstanceOf(Map);
    expect(decoded.context.usedCapacity).toBe(record.context.usedCapacity);
  });

  it('a decline without a retry time (never again, Infinity) stays never, and one with a time keeps it', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await createJob(router, 'j');
    const record = { ...router.engine.actors.jobs.get('j')!, declines: { never: Infinity, later: Date.UTC(2026, 5, 1) } };
    const decoded = decodeDocument('job', 'j', throughJson(encodeJob(record)));
    expect(decoded.declines).toEqual({ never: Infinity, later: Date.UTC(2026, 5, 1) });
    expect(decoded).toEqual(record);
  });

  it('refuses a document of a newer version, one without a version, and one of the wrong shape', () => {
    const queue = encodeResource({ resource: { id: 'q' }, etag: '"1"', lastModified: 0 });
    expect(decodeDocument('queue', 'q', queue)).toEqual({ resource: { id: 'q' }, etag: '"1"', lastModified: 0 });
    expect(() => decodeDocument('queue', 'q', { ...queue, v: DOCUMENT_VERSION + 1 })).toThrow(
      expect.objectContaining({ code: 'StoreSchemaTooNew' }),
    );
    expect(() => decodeDocument('queue', 'q', { ...queue, v: 0 })).toThrow(expect.objectContaining({ code: 'StoreCorrupt' }));
    expect(() => decodeDocument('job', 'j', { v: 1, etag: '"1"', lastModified: 0, status: 'queued' })).toThrow(
      expect.objectContaining({ code: 'StoreCorrupt' }),
    );
  });
});
