import { assertEvent, assign, emit, enqueueActions, setup } from 'xstate';
import { hasRoomFor, mayHoldAnotherOffer } from '../src/matching/capacity.ts';
import type { ChannelView, Labels, WorkerView } from '../src/matching/types.ts';
import type { EventExtra, EventFact } from '../src/protocol/events.schemas.ts';

/** What a caller configures on a worker (the writable wire fields, `labels` including the implicit `Id`). */
export interface WorkerConfig {
  readonly queues: readonly string[];
  readonly capacity: number;
  readonly labels: Labels;
  readonly tags: Labels;
  readonly channels: ReadonlyArray<{ readonly channelId: string } & ChannelView>;
  readonly availableForOffers: boolean;
  readonly maxConcurrentOffers?: number | undefined;
}

export interface HeldOffer {
  readonly offerId: string;
  readonly jobId: string;
  readonly channelId: string;
  readonly capacityCost: number;
  readonly offeredAt: number;
  readonly expiresAt: number | undefined;
}

export interface HeldAssignment {
  readonly assignmentId: string;
  readonly jobId: string;
  readonly channelId: string;
  readonly capacityCost: number;
  readonly assignedAt: number;
}

/** The worker's configuration, what it holds, and the view matching reads (kept derived here, once per change). */
export interface WorkerContext extends WorkerView {
  readonly config: WorkerConfig;
  readonly offers: Readonly<Record<string, HeldOffer>>;
  readonly assignments: Readonly<Record<string, HeldAssignment>>;
}

export interface WorkerInput {
  readonly id: string;
  readonly config: WorkerConfig;
  readonly at: number;
}

export type WorkerEvent =
  | { type: 'worker.configure'; config: WorkerConfig; at: number }
  | { type: 'worker.reserve'; offer: HeldOffer }
  | { type: 'worker.offerEnded'; offerId: string; at: number }
  | { type: 'worker.assign'; offerId: string; assignmentId: string; at: number }
  | { type: 'worker.release'; assignmentId: string; at: number };

/** What the registration events are about: the worker and the configuration it takes on. */
type Registration = { readonly workerId: string; readonly config: WorkerConfig };

/**
 * What a worker's transition emits: `RouterWorkerRegistered` and `RouterWorkerUpdated` with the configuration the
 * worker takes on (the engine adds its queues' names and labels), `RouterWorkerDeregistered` with its id.
 */
export type WorkerFact =
  | EventFact<'RouterWorkerRegistered', Registration>
  | EventFact<'RouterWorkerUpdated', Registration>
  | EventFact<'RouterWorkerDeregistered', { readonly workerId: string }>
  | EventFact<
      'RouterWorkerOfferAccepted',
      { readonly offerId: string; readonly jobId: string; readonly workerId: string },
      Pick<EventExtra<'RouterWorkerOfferAccepted'>, 'assignmentId' | 'workerLabels' | 'workerTags'>
    >;

type UpdatedProperties = EventExtra<'RouterWorkerUpdated'>['updatedWorkerProperties'];

/** Names of the properties that changed, in Event Grid's preview vocabulary (`RouterWorkerUpdated`). */
function updatedProperties(was: WorkerConfig, now: WorkerConfig): UpdatedProperties {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const changed: UpdatedProperties = [];
  if (was.availableForOffers !== now.availableForOffers) changed.push('AvailableForOffers');
  if (was.capacity !== now.capacity) changed.push('TotalCapacity');
  if (!same(was.queues, now.queues)) changed.push('QueueAssignments');
  if (!same(was.labels, now.labels)) changed.push('Labels');
  if (!same(was.tags, now.tags)) changed.push('Tags');
  if (!same(was.channels, now.channels)) changed.push('ChannelConfigurations');
  return changed;
}

type WorkerCore = Pick<WorkerContext, 'id' | 'config' | 'offers' | 'assignments' | 'availableSince' | 'active'>;

/** Derives the matching view from the configuration and what the worker holds. */
export function configured(core: WorkerCore): WorkerContext {
  const { config, offers, assignments } = core;
  const jobsPerChannel = new Map<string, number>();
  let usedCapacity = 0;
  for (const held of [...Object.values(offers), ...Object.values(assignments)]) {
    usedCapacity += held.capacityCost;
    jobsPerChannel.set(held.channelId, (jobsPerChannel.get(held.channelId) ?? 0) + 1);
  }
  // Fields named one by one rather than spread: this runs for every worker at a restart, on objects fresh from
  // JSON.parse, which object spread copies several times slower.
  return {
    id: core.id,
    config,
    offers,
    assignments,
    availableSince: core.availableSince,
    active: core.active,
    labels: config.labels,
    capacity: config.capacity,
    usedCapacity,
    channels: new Map(config.channels.map((channel) => [channel.channelId, channel])),
    jobsPerChannel,
    queues: new Set(config.queues),
    offerCount: Object.keys(offers).length,
    maxConcurrentOffers: config.maxConcurrentOffers,
  };
}

/** Takes `held` on (`sign` 1) or off (`sign` -1) the worker's load, without re-deriving the rest of the view. */
function adjustLoad(context: WorkerContext, held: { channelId: string; capacityCost: number }, sign: 1 | -1): Pick<WorkerContext, 'usedCapacity' | 'jobsPerChannel'> {
  const jobsPerChannel = new Map(context.jobsPerChannel);
  const count = (jobsPerChannel.get(held.channelId) ?? 0) + sign;
  if (count > 0) jobsPerChannel.set(held.channelId, count);
  else jobsPerChannel.delete(held.channelId);
  return { usedCapacity: context.usedCapacity + sign * held.capacityCost, jobsPerChannel };
}

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const { [key]: _removed, ...rest } = record;
  return rest;
}

/**
 * A worker: `inactive` ⇄ `active`, and `draining` when it deregisters while jobs are still assigned (it leaves for
 * `inactive` as the last one is released). Capacity is reserved here, synchronously, so a worker listening on several
 * queues is never over-committed. A configuration announces what it does (a {@link WorkerFact}): registering,
 * deregistering, or else the properties it changed; the announcement is made before the configuration is applied,
 * so that it can be compared with the one it replaces. Turning an accepted offer into an assignment announces
 * `RouterWorkerOfferAccepted`: this is where the assignment gets its id (the engine adds the job's fields and queue).
 */
export const workerMachine = setup({
  types: { context: {} as WorkerContext, events: {} as WorkerEvent, input: {} as WorkerInput, emitted: {} as WorkerFact },
  actions: {
    announceRegistered: emit(({ context, event }) => {
      assertEvent(event, 'worker.configure');
      return { type: 'RouterWorkerRegistered' as const, workerId: context.id, config: event.config };
    }),
    announceDeregistered: emit(({ context }) => ({ type: 'RouterWorkerDeregistered' as const, workerId: context.id })),
    // Before the offer becomes the assignment, while the worker still holds it.
    announceAccepted: emit(({ context, event }) => {
      assertEvent(event, 'worker.assign');
      return {
        type: 'RouterWorkerOfferAccepted' as const,
        offerId: event.offerId,
        jobId: context.offers[event.offerId]!.jobId,
        workerId: context.id,
        assignmentId: event.assignmentId,
        workerLabels: context.labels,
        workerTags: context.config.tags,
      };
    }),
    announceUpdated: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'worker.configure');
      const updatedWorkerProperties = updatedProperties(context.config, event.config);
      if (updatedWorkerProperties.length > 0)
        enqueue.emit({ type: 'RouterWorkerUpdated' as const, workerId: context.id, config: event.config, updatedWorkerProperties });
    }),
    applyConfig: assign(({ context, event }) =>
      event.type === 'worker.configure' ? configured({ ...context, config: event.config }) : context,
    ),
    markAvailable: assign(({ context, event }) => ({
      ...context,
      active: true,
      availableSince: 'at' in event ? event.at : context.availableSince,
    })),
    markUnavailable: assign({ active: false }),
    holdOffer: assign(({ context, event }) =>
      event.type === 'worker.reserve'
        ? {
            ...context,
            ...adjustLoad(context, event.offer, 1),
            offers: { ...context.offers, [event.offer.offerId]: event.offer },
            offerCount: context.offerCount + 1,
          }
        : context,
    ),
    dropOffer: assign(({ context, event }) =>
      event.type === 'worker.offerEnded'
        ? {
            ...context,
            ...adjustLoad(context, context.offers[event.offerId]!, -1),
            offers: without(context.offers, event.offerId),
            offerCount: context.offerCount - 1,
            availableSince: event.at,
          }
        : context,
    ),
    convertOfferToAssignment: assign(({ context, event }) => {
      if (event.type !== 'worker.assign') return context;
      const offer = context.offers[event.offerId]!;
      const assignment: HeldAssignment = {
        assignmentId: event.assignmentId,
        jobId: offer.jobId,
        channelId: offer.channelId,
        capacityCost: offer.capacityCost,
        assignedAt: event.at,
      };
      // The offer's capacity carries over to the assignment, so the load does not change.
      return {
        ...context,
        offers: without(context.offers, event.offerId),
        offerCount: context.offerCount - 1,
        assignments: { ...context.assignments, [event.assignmentId]: assignment },
      };
    }),
    releaseAssignment: assign(({ context, event }) =>
      event.type === 'worker.release'
        ? {
            ...context,
            ...adjustLoad(context, context.assignments[event.assignmentId]!, -1),
            assignments: without(context.assignments, event.assignmentId),
            availableSince: event.at,
          }
        : context,
    ),
  },
  guards: {
    wantsOffers: ({ event }) => event.type === 'worker.configure' && event.config.availableForOffers,
    hasAssignments: ({ context }) => Object.keys(context.assignments).length > 0,
    hasNoAssignments: ({ context }) => Object.keys(context.assignments).length === 0,
    canTakeOffer: ({ context, event }) =>
      event.type === 'worker.reserve' &&
      context.offers[event.offer.offerId] === undefined &&
      hasRoomFor(context, event.offer.channelId) &&
      mayHoldAnotherOffer(context),
    holdsOffer: ({ context, event }) =>
      (event.type === 'worker.offerEnded' || event.type === 'worker.assign') && context.offers[event.offerId] !== undefined,
    holdsAssignment: ({ context, event }) =>
      event.type === 'worker.release' && context.assignments[event.assignmentId] !== undefined,
  },
}).createMachine({
  id: 'worker',
  context: ({ input }) =>
    configured({ id: input.id, config: input.config, offers: {}, assignments: {}, availableSince: input.at, active: false }),
  initial: 'inactive',
  on: {
    'worker.offerEnded': { guard: 'holdsOffer', actions: 'dropOffer' },
    'worker.release': { guard: 'holdsAssignment', actions: 'releaseAssignment' },
  },
  states: {
    inactive: {
      entry: 'markUnavailable',
      on: {
        'worker.configure': [
          { guard: 'wantsOffers', target: 'active', actions: ['announceRegistered', 'applyConfig', 'markAvailable'] },
          { actions: ['announceUpdated', 'applyConfig'] },
        ],
      },
    },
    active: {
      on: {
        'worker.configure': [
          { guard: 'wantsOffers', actions: ['announceUpdated', 'applyConfig'] },
          { guard: 'hasAssignments', target: 'draining', actions: ['announceDeregistered', 'applyConfig'] },
          { target: 'inactive', actions: ['announceDeregistered', 'applyConfig'] },
        ],
        'worker.reserve': { guard: 'canTakeOffer', actions: 'holdOffer' },
        // Only an active worker takes on work: deregistering revokes offers first, so none is left to accept.
        'worker.assign': { guard: 'holdsOffer', actions: ['announceAccepted', 'convertOfferToAssignment'] },
      },
    },
    draining: {
      entry: 'markUnavailable',
      always: { guard: 'hasNoAssignments', target: 'inactive' },
      on: {
        'worker.configure': [
          { guard: 'wantsOffers', target: 'active', actions: ['announceRegistered', 'applyConfig', 'markAvailable'] },
          { actions: ['announceUpdated', 'applyConfig'] },
        ],
      },
    },
  },
});
