import { describe, expect, it } from 'vitest';
import { authorize as authorizeOperation, type AuthorizationOutcome } from '../../src/auth/authorize.ts';
import { accessOf, operationAccess } from '../../src/gateway/operation-access.ts';
import { issueWorkerToken, verifyBearer, type Principal } from '../../src/auth/tokens.ts';

/** The operations a worker may perform on itself, as their definitions declare. */
const WORKER_OPERATIONS = operationAccess.filter(({ access }) => access === 'ownWorker').map(({ name }) => name);

/** Authorizes an operation by name, with the access its definition declares. */
function authorize(principal: Principal, name: string, args: Readonly<Record<string, unknown>>): AuthorizationOutcome {
  return authorizeOperation(principal, { name, access: accessOf(name) }, args);
}

const KEY = Buffer.from('switchboard test access key, 32b').toString('base64');
const NOW = Date.parse('2024-05-06T07:08:09.000Z');
const admin: Principal = { kind: 'admin' };
const workerA: Principal = { kind: 'worker', workerId: 'worker-a', expiresAt: Number.MAX_SAFE_INTEGER };

/** Operations a worker must never reach, whatever the arguments. */
const ADMIN_ONLY = [
  'deleteWorker',
  'listWorkers',
  'upsertJob',
  'getJob',
  'cancelJob',
  'completeJob',
  'closeJob',
  'upsertQueue',
  'upsertDistributionPolicy',
  'unassignJob',
  'issueWorkerToken',
  '',
];

describe('authorize', () => {
  it('lets a worker act on itself only through the listed operations', () => {
    expect(WORKER_OPERATIONS).toEqual(['attachWorker', 'upsertWorker', 'getWorker', 'acceptJobOffer', 'declineJobOffer']);
    for (const operation of WORKER_OPERATIONS) {
      const args = operation === 'upsertWorker' ? { workerId: 'worker-a', availableForOffers: true } : { workerId: 'worker-a', offerId: 'o1' };
      expect(authorize(workerA, operation, args)).toEqual({ ok: true });
    }
  });

  it('lets a worker upsert itself with availableForOffers (and preconditions) only: fieldNotAllowed for anything else', () => {
    expect(authorize(workerA, 'upsertWorker', { workerId: 'worker-a', availableForOffers: false, ifMatch: '*' })).toEqual({ ok: true });
    for (const field of ['capacity', 'queues', 'labels', 'tags', 'channels', 'maxConcurrentOffers', 'id', 'etag'])
      expect(authorize(workerA, 'upsertWorker', { workerId: 'worker-a', availableForOffers: true, [field]: 1 })).toEqual({
        ok: false,
        reason: 'fieldNotAllowed',
        field,
      });
    expect(authorize(workerA, 'upsertWorker', { workerId: 'worker-b', availableForOffers: true })).toEqual({ ok: false, reason: 'notOwnWorker' });
  });

  it('refuses a worker acting on another worker: notOwnWorker', () => {
    for (const operation of WORKER_OPERATIONS) {
      expect(authorize(workerA, operation, { workerId: 'worker-b' })).toEqual({ ok: false, reason: 'notOwnWorker' });
    }
  });

  it.each([
    ['no workerId', {}],
    ['a non-string workerId', { workerId: ['worker-a'] }],
    ['a workerId differing in case', { workerId: 'Worker-A' }],
  ])('refuses a worker operation with %s: notOwnWorker', (_, args) => {
    expect(authorize(workerA, 'acceptJobOffer', args)).toEqual({ ok: false, reason: 'notOwnWorker' });
  });

  it.each(ADMIN_ONLY)('refuses a worker the operation %j even on itself: operationNotAllowed', (operation) => {
    expect(authorize(workerA, operation, { workerId: 'worker-a' })).toEqual({ ok: false, reason: 'operationNotAllowed' });
  });

  it('lets the admin do everything, on any worker', () => {
    for (const operation of [...WORKER_OPERATIONS, ...ADMIN_ONLY]) {
      expect(authorize(admin, operation, { workerId: 'worker-b' })).toEqual({ ok: true });
    }
  });

  it("refuses a token issued for worker A used to accept worker B's offer", () => {
    const verified = verifyBearer(issueWorkerToken({ workerId: 'worker-a', accessKey: KEY, expiresAt: NOW + 60_000 }), KEY, NOW);
    if (!verified.ok) throw new Error(`token refused: ${verified.reason}`);
    expect(authorize(verified.principal, 'acceptJobOffer', { workerId: 'worker-b', offerId: 'o1' })).toEqual({
      ok: false,
      reason: 'notOwnWorker',
    });
    expect(authorize(verified.principal, 'acceptJobOffer', { workerId: 'worker-a', offerId: 'o1' })).toEqual({ ok: true });
  });
});
