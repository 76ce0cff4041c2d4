import { describe, expect, it } from 'vitest';
import { type IndexEntry, QueueIndex } from '../../src/matching/queue-index.ts';
import type { Labels, SelectorView, WorkerView } from '../../src/matching/types.ts';
import { worker } from './matching-fixtures.ts';

let seq = 0;
function entry(jobId: string, overrides: Partial<IndexEntry> = {}): IndexEntry {
  seq++;
  return {
    jobId,
    priority: 1,
    enqueueSeq: seq,
    enqueuedAt: 1_000 + seq,
    expedite: false,
    channelId: 'chat',
    selectors: [],
    ...overrides,
  };
}

const anyone = worker({
  id: 'w',
  capacity: 100,
  channels: { chat: { capacityCostPerJob: 1 }, voice: { capacityCostPerJob: 1 } },
});
const all = (): boolean => true;
const dispatchOrder = (index: QueueIndex): string[] =>
  [...index.entries()]
    .sort((a, b) => (index.position(a.jobId) ?? 0) - (index.position(b.jobId) ?? 0))
    .map((e) => e.jobId);

const english: SelectorView = { key: 'lang', labelOperator: 'equal', value: 'en' };

describe('QueueIndex ordering', () => {
  it('dispatches higher priority first, then first in first out', () => {
    const index = new QueueIndex();
    index.add(entry('low', { priority: 1 }));
    index.add(entry('high-late', { priority: 5 }));
    index.add(entry('low-later', { priority: 1 }));
    index.add(entry('high-later', { priority: 5 }));
    expect(dispatchOrder(index)).toEqual(['high-late', 'high-later', 'low', 'low-later']);
    expect(index.bestFor(anyone, false, all)?.jobId).toBe('high-late');
  });

  it('puts expedited jobs in front of any priority', () => {
    const index = new QueueIndex();
    index.add(entry('urgent', { priority: 100 }));
    index.add(entry('preferred', { priority: -5, expedite: true, selectors: [english] }));
    expect(index.position('preferred')).toBe(1);
    expect(index.bestFor(worker({ id: 'w', labels: { lang: 'en' } }), false, all)?.jobId).toBe('preferred');
    expect(index.bestFor(worker({ id: 'v', labels: { lang: 'fr' } }), false, all)?.jobId).toBe('urgent');
  });

  it('orders across groups: the best entry of all the groups the worker can serve wins', () => {
    const index = new QueueIndex();
    index.add(entry('voice-1', { channelId: 'voice', priority: 2 }));
    index.add(entry('chat-1', { priority: 3 }));
    index.add(entry('english-1', { priority: 4, selectors: [english] }));
    index.add(entry('chat-2', { priority: 3 }));
    expect(index.bestFor(anyone, false, all)?.jobId).toBe('chat-1');
    expect(index.bestFor({ ...anyone, labels: { lang: 'en' } }, false, all)?.jobId).toBe('english-1');
  });
});

describe('QueueIndex add, remove, get', () => {
  it('replaces an entry with the same job id and reorders it', () => {
    const index = new QueueIndex();
    index.add(entry('a'));
    index.add(entry('b'));
    const b = index.get('b');
    expect(b).toBeDefined();
    index.add({ ...(b as IndexEntry), priority: 9 });
    expect(index.size).toBe(2);
    expect(index.position('b')).toBe(1);
    expect(index.get('b')?.priority).toBe(9);
    expect(index.countByPriority()).toEqual(new Map([[1, 1], [9, 1]]));
  });

  it('moves a replaced entry to its new group when its channel or selectors change', () => {
    const index = new QueueIndex();
    index.add(entry('a'));
    index.add({ ...entry('a'), selectors: [english] });
    expect(index.bestFor(anyone, false, all)).toBeUndefined();
    expect(index.get('a')?.selectors).toEqual([english]);
  });

  it('removes an entry and returns it', () => {
    const index = new QueueIndex();
    index.add(entry('a'));
    index.add(entry('b'));
    expect(index.remove('a')?.jobId).toBe('a');
    expect(index.remove('a')).toBeUndefined();
    expect(index.get('a')).toBeUndefined();
    expect(index.position('a')).toBeUndefined();
    expect(index.size).toBe(1);
    expect(index.bestFor(anyone, false, all)?.jobId).toBe('b');
    index.remove('b');
    expect(index.size).toBe(0);
    expect(index.bestFor(anyone, false, all)).toBeUndefined();
    expect(index.oldest()).toBeUndefined();
    expect(index.countByPriority()).toEqual(new Map());
  });

  it('shares one selectors array between the entries of a group', () => {
    const index = new QueueIndex();
    index.add(entry('a', { selectors: [english, { key: 'tier', labelOperator: 'greaterThan', value: 1 }] }));
    index.add(entry('b', { selectors: [{ key: 'tier', labelOperator: 'greaterThan', value: 1 }, english] }));
    expect(index.get('a')?.selectors).toBe(index.get('b')?.selectors);
  });
});

describe('QueueIndex parking', () => {
  it('skips a parked entry in matching but counts it everywhere else', () => {
    const index = new QueueIndex();
    index.add(entry('first', { priority: 1 }));
    index.add(entry('second', { priority: 1 }));
    index.add(entry('other', { priority: 2, channelId: 'voice' }));
    index.park('other');
    index.park('first');
    expect(index.isParked('first')).toBe(true);
    expect(index.isParked('second')).toBe(false);
    expect(index.bestFor(anyone, false, all)?.jobId).toBe('second');
    expect(index.size).toBe(3);
    expect(index.position('first')).toBe(2);
    expect(index.oldest()?.jobId).toBe('first');
    expect(index.countByPriority()).toEqual(new Map([[1, 2], [2, 1]]));

    index.unpark('other');
    expect(index.bestFor(anyone, false, all)?.jobId).toBe('other');
    index.unpark('first');
    index.remove('other');
    expect(index.bestFor(anyone, false, all)?.jobId).toBe('first');
  });

  it('ignores parking twice, unparking an unparked entry and unknown ids', () => {
    const index = new QueueIndex();
    index.add(entry('a'));
    index.park('a');
    index.park('a');
    index.unpark('a');
    expect(index.bestFor(anyone, false, all)?.jobId).toBe('a');
    index.unpark('a');
    index.park('missing');
    index.unpark('missing');
    expect(index.isParked('missing')).toBe(false);
    expect(index.size).toBe(1);
    index.remove('a');
    expect(index.size).toBe(0);
  });

  it('keeps a parked entry parked when it is replaced', () => {
    const index = new QueueIndex();
    index.add(entry('a'));
    index.park('a');
    index.add({ ...entry('a'), priority: 50 });
    expect(index.isParked('a')).toBe(true);
    expect(index.bestFor(anyone, false, all)).toBeUndefined();
  });

  it('removes a parked entry completely', () => {
    const index = new QueueIndex();
    index.add(entry('a'));
    index.park('a');
    index.remove('a');
    expect(index.size).toBe(0);
    index.add(entry('a'));
    expect(index.isParked('a')).toBe(false);
    expect(index.bestFor(anyone, false, all)?.jobId).toBe('a');
  });
});

describe('QueueIndex statistics', () => {
  it('finds the oldest entry by enqueue time, not by dispatch order', () => {
    const index = new QueueIndex();
    index.add(entry('new-urgent', { priority: 10, enqueuedAt: 500 }));
    index.add(entry('old', { priority: 1, enqueuedAt: 100 }));
    index.add(entry('middle', { priority: 1, enqueuedAt: 300 }));
    expect(index.oldest()?.jobId).toBe('old');
    index.remove('old');
    expect(index.oldest()?.jobId).toBe('middle');
  });

  it('counts entries per priority', () => {
    const index = new QueueIndex();
    for (const [id, priority] of [['a', 1], ['b', 1], ['c', -3], ['d', 100]] as const) {
      index.add(entry(id, { priority }));
    }
    expect(index.countByPriority()).toEqual(new Map([[1, 2], [-3, 1], [100, 1]]));
    index.remove('c');
    expect(index.countByPriority().has(-3)).toBe(false);
  });
});

describe('QueueIndex.bestFor', () => {
  it('skips groups whose channel the worker lacks or has no room on', () => {
    const index = new QueueIndex();
    index.add(entry('voice', { channelId: 'voice', priority: 9 }));
    index.add(entry('email', { channelId: 'email', priority: 8 }));
    index.add(entry('chat', { priority: 1 }));
    const busy = worker({
      id: 'w',
      capacity: 10,
      usedCapacity: 5,
      channels: { voice: { capacityCostPerJob: 10 }, chat: { capacityCostPerJob: 5 } },
    });
    expect(index.bestFor(busy, false, all)?.jobId).toBe('chat');
    const chatsMaxed = worker({
      id: 'w',
      channels: { chat: { capacityCostPerJob: 1, maxNumberOfJobs: 2 } },
      jobsPerChannel: { chat: 2 },
    });
    expect(index.bestFor(chatsMaxed, false, all)).toBeUndefined();
  });

  it('skips groups whose selectors the worker fails, unless selectors are bypassed', () => {
    const index = new QueueIndex();
    index.add(entry('english', { priority: 5, selectors: [english] }));
    index.add(entry('senior', { priority: 4, selectors: [{ key: 'level', labelOperator: 'greaterThan', value: 3 }] }));
    index.add(entry('open', { priority: 1 }));
    const junior = worker({ id: 'w', labels: { lang: 'fr', level: 1 } });
    expect(index.bestFor(junior, false, all)?.jobId).toBe('open');
    expect(index.bestFor(worker({ id: 'w', labels: { level: 4 } }), false, all)?.jobId).toBe('senior');
    expect(index.bestFor(junior, true, all)?.jobId).toBe('english');
  });

  it('looks further into a group when accept rejects its head, without losing entries', () => {
    const index = new QueueIndex();
    for (const id of ['a', 'b', 'c', 'd']) index.add(entry(id));
    const declined = new Set(['a', 'b']);
    const notDeclined = (e: IndexEntry): boolean => !declined.has(e.jobId);
    expect(index.bestFor(anyone, false, notDeclined)?.jobId).toBe('c');
    expect(index.bestFor(anyone, false, (e) => e.jobId === 'zzz')).toBeUndefined();
    expect(index.size).toBe(4);
    expect(index.bestFor(anyone, false, all)?.jobId).toBe('a');
    expect(dispatchOrder(index)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('prefers a better entry of another group over a rejected head', () => {
    const index = new QueueIndex();
    index.add(entry('chat-top', { priority: 5 }));
    index.add(entry('chat-low', { priority: 1 }));
    index.add(entry('voice-mid', { priority: 3, channelId: 'voice' }));
    expect(index.bestFor(anyone, false, (e) => e.jobId !== 'chat-top')?.jobId).toBe('voice-mid');
  });

  it('evaluates room, selectors and accept once per group, however many entries a group holds', () => {
    const groups = 1_000;
    const probe = (perGroup: number): { labelReads: number; accepts: number; best: string | undefined } => {
      const index = new QueueIndex();
      for (let g = 0; g < groups; g++) {
        const selectors: SelectorView[] = [{ key: 'skill', labelOperator: 'greaterThanOrEqual', value: g }];
        // Later groups hold better entries, so no group can be skipped by comparing heads.
        for (let i = 0; i < perGroup; i++) index.add(entry(`g${g}-${i}`, { priority: g, selectors }));
      }
      let labelReads = 0;
      const labels = new Proxy<Labels>(
        { skill: groups },
        {
          get(target, key, receiver) {
            labelReads++;
            return Reflect.get(target, key, receiver) as unknown;
          },
        },
      );
      const w: WorkerView = { ...worker({ id: 'w' }), labels };
      let accepts = 0;
      const best = index.bestFor(w, false, () => {
        accepts++;
        return true;
      })?.jobId;
      return { labelReads, accepts, best };
    };
    const small = probe(1);
    const large = probe(100);
    expect(small.best).toBe('g999-0');
    expect(large.best).toBe('g999-0');
    expect(large.labelReads).toBe(small.labelReads);
    expect(large.accepts).toBe(small.accepts);
    expect(large.labelReads).toBeLessThanOrEqual(groups);
  });
});
