/**
 * Regression: a merge patch setting an optional field to `null` must remove it (spec §0, RFC 7396). The job machine
 * used to spread the patched fields over the old job, so `dispositionCode: null` (the Azure SDK's "should update a
 * job") and `channelReference: null` left the old values in place. Every resource, every optional field.
 */
import { describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';

type Upsert = (router: Router, id: string, body: Record<string, unknown>) => Promise<{ resource: object }>;
type Get = (router: Router, id: string) => Promise<object>;

interface Case {
  readonly resource: string;
  readonly id: string;
  readonly upsert: Upsert;
  readonly get: Get;
  /** A body with every optional field set. */
  readonly full: Record<string, unknown>;
  /** Each optional field, and what it reads as once removed (`undefined`: absent). */
  readonly removable: Readonly<Record<string, unknown>>;
}

const rule = { kind: 'static', value: 3 };

const cases: Case[] = [
  {
    resource: 'job',
    id: 'j',
    upsert: (router, id, body) => router.upsertJob(id, body),
    get: (router, id) => router.getJob(id),
    full: {
      queueId: 'q',
      channelId: 'voice',
      channelReference: 'call-1',
      dispositionCode: 'Pending',
      priority: 7,
      tags: { t: 1 },
      notes: [{ message: 'hello' }],
      requestedWorkerSelectors: [{ key: 'k', labelOperator: 'equal', value: 1 }],
    },
    removable: {
      channelReference: undefined,
      dispositionCode: undefined,
      priority: 1,
      tags: {},
      notes: [],
      requestedWorkerSelectors: [],
    },
  },
  {
    resource: 'worker',
    id: 'w',
    upsert: (router, id, body) => router.upsertWorker(id, body),
    get: (router, id) => router.getWorker(id),
    full: { capacity: 10, queues: ['q'], tags: { t: 1 }, maxConcurrentOffers: 2, availableForOffers: false },
    removable: { maxConcurrentOffers: undefined, tags: {}, capacity: 0, queues: [] },
  },
  {
    resource: 'queue',
    id: 'q2',
    upsert: (router, id, body) => router.upsertQueue(id, body),
    get: (router, id) => router.getQueue(id),
    full: { name: 'second', distributionPolicyId: 'dp', exceptionPolicyId: 'ep' },
    removable: { name: undefined, distributionPolicyId: undefined, exceptionPolicyId: undefined },
  },
  {
    resource: 'distribution policy',
    id: 'dp2',
    upsert: (router, id, body) => router.upsertDistributionPolicy(id, body),
    get: (router, id) => router.getDistributionPolicy(id),
    full: { name: 'second', offerExpiresAfterSeconds: 30, mode: { kind: 'roundRobin' } },
    removable: { name: undefined, offerExpiresAfterSeconds: undefined, mode: undefined },
  },
  {
    resource: 'classification policy',
    id: 'cp',
    upsert: (router, id, body) => router.upsertClassificationPolicy(id, body),
    get: (router, id) => router.getClassificationPolicy(id),
    full: {
      name: 'classify',
      fallbackQueueId: 'q',
      prioritizationRule: rule,
      queueSelectorAttachments: [{ kind: 'static', queueSelector: { key: 'Id', labelOperator: 'equal', value: 'q' } }],
      workerSelectorAttachments: [{ kind: 'static', workerSelector: { key: 'k', labelOperator: 'equal', value: 1 } }],
    },
    removable: {
      name: undefined,
      fallbackQueueId: undefined,
      prioritizationRule: undefined,
      queueSelectorAttachments: [],
      workerSelectorAttachments: [],
    },
  },
  {
    resource: 'exception policy',
    id: 'ep2',
    upsert: (router, id, body) => router.upsertExceptionPolicy(id, body),
    get: (router, id) => router.getExceptionPolicy(id),
    full: {
      name: 'escalate',
      exceptionRules: [{ id: 'r', trigger: { kind: 'waitTime', thresholdSeconds: 60 }, actions: [{ kind: 'cancel', id: 'a' }] }],
    },
    removable: { name: undefined, exceptionRules: [] },
  },
];

async function openWithReferences() {
  const test = await openTestRouter();
  await setupQueue(test.router);
  await test.router.upsertExceptionPolicy('ep', {});
  return test;
}

describe('a merge patch with null removes an optional field', () => {
  for (const { resource, id, upsert, get, full, removable } of cases) {
    for (const [field, removed] of Object.entries(removable)) {
      it(`${resource}: ${field}: null`, async () => {
        const { router } = await openWithReferences();
        await upsert(router, id, full);
        const answered = (await upsert(router, id, { [field]: null })).resource as Record<string, unknown>;
        const read = (await get(router, id)) as Record<string, unknown>;
        for (const body of [answered, read]) {
          if (removed === undefined) expect(body).not.toHaveProperty(field);
          else expect(body[field]).toEqual(removed);
        }
        // Only that field changed.
        for (const other of Object.keys(full)) if (other !== field) expect(read[other], other).toBeDefined();
      });
    }
  }

  it('job: {priority: null, dispositionCode: null} as the Azure SDK sends it', async () => {
    const { router } = await openWithReferences();
    await router.upsertJob('j', { queueId: 'q', channelId: 'voice', priority: 5, dispositionCode: 'X' });
    const { resource } = await router.upsertJob('j', { priority: null, dispositionCode: null });
    expect(resource.priority).toBe(1);
    expect(resource).not.toHaveProperty('dispositionCode');
  });

  it('job: channelId, and queueId without a classification policy, cannot be removed: refused, the job unchanged', async () => {
    const { router } = await openWithReferences();
    await router.upsertJob('j', { queueId: 'q', channelId: 'voice' });
    const before = await router.getJob('j');
    for (const [field, patch] of [['channelId', { channelId: null }], ['queueId', { queueId: null }]] as const) {
      const refusal = await expectRefusal(router.upsertJob('j', patch), 'InvalidRequest');
      expect(refusal.target, field).toBe(field);
    }
    expect(await router.getJob('j')).toEqual(before);
  });
});
