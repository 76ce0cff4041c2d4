/**
 * The worker machine from its own graph (spec §3.2–3.3): every state and transition reached by a generated path
 * replayed on a real actor, draining that ends exactly with the last assignment, and reservations that never
 * over-commit.
 */
import { expect, it } from 'vitest';
import { type WorkerConfig, workerMachine } from '../../machines/worker.machine.ts';
import { describeMachineModel, type MachineModel, ModelRun, type ModelStep } from './model-harness.ts';

const T0 = Date.UTC(2026, 0, 1);

/** Room for two chats at a time, so that a worker can drain more than one assignment. */
const config: WorkerConfig = {
  queues: ['q-1'],
  capacity: 2,
  labels: { Id: 'w-1' },
  tags: {},
  channels: [{ channelId: 'chat', capacityCostPerJob: 1 }],
  availableForOffers: false,
};

/** The first of `prefix-1`, `prefix-2`, … that `held` does not use. */
function freshId(prefix: string, held: Readonly<Record<string, unknown>>): string {
  let n = 1;
  while (`${prefix}-${n}` in held) n++;
  return `${prefix}-${n}`;
}

const model: MachineModel<typeof workerMachine> = {
  machine: workerMachine,
  input: { id: 'w-1', config, at: T0 },
  samples: ({ context }) => {
    const offerId = Object.keys(context.offers)[0] ?? 'o-none';
    const assignmentId = Object.keys(context.assignments)[0] ?? 'a-none';
    const fresh = freshId('o', context.offers);
    const offer = {
      offerId: fresh,
      jobId: `job-${fresh}`,
      channelId: 'chat',
      capacityCost: 1,
      offeredAt: T0,
      expiresAt: T0 + 30_000,
    };
    const at = T0;
    return [
      ['configure(available)', { type: 'worker.configure', config: { ...config, availableForOffers: true }, at }],
      ['configure(unavailable)', { type: 'worker.configure', config, at }],
      ['configure(retagged)', { type: 'worker.configure', config: { ...context.config, tags: { team: context.config.tags['team'] === 'red' ? 'blue' : 'red' } }, at }],
      ['reserve', { type: 'worker.reserve', offer }],
      ['reserve(unknown channel)', { type: 'worker.reserve', offer: { ...offer, channelId: 'email' } }],
      ['offerEnded', { type: 'worker.offerEnded', offerId, at }],
      ['assign', { type: 'worker.assign', offerId, assignmentId: freshId('a', context.assignments), at }],
      ['release', { type: 'worker.release', assignmentId, at }],
    ];
  },
};

/** What a step of the worker must announce (spec §3.8), in order. */
function announcements({ event, before, after }: ModelStep<typeof workerMachine>): string[] {
  if (event.type === 'worker.assign') return before.value === 'active' && before.context.offers[event.offerId] ? ['RouterWorkerOfferAccepted'] : [];
  if (event.type !== 'worker.configure') return [];
  const wasActive = before.value === 'active';
  const isActive = after.value === 'active';
  if (!wasActive && isActive) return ['RouterWorkerRegistered'];
  if (wasActive && !isActive) return ['RouterWorkerDeregistered'];
  return JSON.stringify(before.context.config) === JSON.stringify(event.config) ? [] : ['RouterWorkerUpdated'];
}

function invariants(step: ModelStep<typeof workerMachine>): void {
  const { label, event, before, after, emitted } = step;
  expect(emitted.map((fact) => fact.type), `what ${label} announces from ${String(before.value)}`).toEqual(announcements(step));
  for (const fact of emitted) {
    if (fact.type === 'RouterWorkerOfferAccepted') expect(fact).toMatchObject({ workerId: 'w-1', workerLabels: before.context.labels });
    else if (fact.type !== 'RouterWorkerDeregistered') expect(fact.config, `${fact.type} carries the configuration taken on`).toBe(after.context.config);
  }
  const releasesLast =
    event.type === 'worker.release' &&
    Object.keys(before.context.assignments).length === 1 &&
    before.context.assignments[event.assignmentId] !== undefined;
  if (before.value === 'draining') {
    const what = `${label} ${releasesLast ? 'releases' : 'does not release'} the last assignment`;
    expect(after.value === 'inactive', `draining, ${what}`).toBe(releasesLast);
  }
  if (after.value === 'draining') {
    expect(Object.keys(after.context.assignments).length, 'draining without assignments').toBeGreaterThan(0);
  }
  if (event.type === 'worker.reserve' && after.context.offers !== before.context.offers) {
    expect(after.context.usedCapacity, `${label} over-commits`).toBeLessThanOrEqual(after.context.capacity);
  }
}

describeMachineModel(model, {
  invariants,
  randomWalks: true,
  contextTests: () => {
    it('stays draining until the last of two assignments is released', () => {
      const run = new ModelRun(model);
      for (const label of ['configure(available)', 'reserve', 'assign', 'reserve', 'assign']) {
        invariants(run.act(label));
      }
      expect(run.act('reserve').after.context.offerCount, 'a third chat does not fit').toBe(0);
      expect(run.act('configure(unavailable)').after.value).toBe('draining');
      expect(run.act('release').after.value).toBe('draining');
      expect(run.act('release').after.value).toBe('inactive');
    });
  },
});
