import { z } from 'zod';
import { DateTimeSchema, LabelsSchema, RouterValueSchema, type RouterWorkerSelector } from './common.schemas.ts';
import type { RouterJobStatus } from './job.schemas.ts';

/**
 * Router events (spec §3.8): Azure's names and data fields, plus Switchboard's global sequence number. Every event's
 * data is declared here once: `EventFactory` builds data of these types, the generated event reference in
 * `docs/protocol.md` is rendered from them, and `test/scenario/event-data.test.ts` checks what the engine emits
 * against them.
 */

/** A worker selector in Event Grid's shape: operators and states spelled as Azure's events spell them. */
export const EventWorkerSelectorSchema = z.strictObject({
  key: z.string(),
  labelOperator: z.enum(['Equal', 'NotEqual', 'Less', 'LessThanOrEqual', 'Greater', 'GreaterThanOrEqual']),
  labelValue: RouterValueSchema.optional(),
  ttlSeconds: z.number().optional(),
  state: z.enum(['active', 'expired']),
  expirationTime: DateTimeSchema.optional(),
});
export type EventWorkerSelector = z.infer<typeof EventWorkerSelectorSchema>;

const eventOperators: Record<RouterWorkerSelector['labelOperator'], EventWorkerSelector['labelOperator']> = {
  equal: 'Equal',
  notEqual: 'NotEqual',
  lessThan: 'Less',
  lessThanOrEqual: 'LessThanOrEqual',
  greaterThan: 'Greater',
  greaterThanOrEqual: 'GreaterThanOrEqual',
};

/** A worker selector in Event Grid's shape. */
export function eventSelector(selector: RouterWorkerSelector): EventWorkerSelector {
  return {
    key: selector.key,
    labelOperator: eventOperators[selector.labelOperator],
    labelValue: selector.value,
    ttlSeconds: selector.expiresAfterSeconds,
    state: selector.status ?? 'active',
    expirationTime: selector.expiresAt,
  };
}

/** `queued` → `Queued`: Event Grid spells job statuses in PascalCase. */
export function eventStatus<S extends RouterJobStatus>(status: S): Capitalize<S> {
  return (status.charAt(0).toUpperCase() + status.slice(1)) as Capitalize<S>;
}

const selectors = (meaning: string) => z.array(EventWorkerSelectorSchema).describe(meaning);
const jobPriority = z.number().describe("The job's priority.");
const requestedWorkerSelectors = selectors("The job's requested worker selectors.");
const attachedWorkerSelectors = selectors('The worker selectors classification attached to the job.');
const channelReference = z.string().optional().describe("The job's `channelReference`, when it has one.");
const channelId = z.string().describe("The job's channel.");

/** The data every `RouterJob…` event starts with. */
const jobEventFields = {
  jobId: z.string().describe("The job's id."),
  channelReference,
  channelId,
  queueId: z
    .string()
    .optional()
    .describe("The job's queue; absent while a job created with a classification policy has none yet (or none was found)."),
  labels: LabelsSchema.describe("The job's labels."),
  tags: LabelsSchema.describe("The job's tags."),
};

/** The data every `RouterWorkerOffer…` event starts with. */
const offerEventFields = {
  workerId: z.string().describe('The worker the offer is to.'),
  jobId: z.string().describe('The job offered.'),
  channelReference,
  channelId,
  queueId: z.string().describe('The queue the job was offered from.'),
  offerId: z.string().describe("The offer's id, as `acceptJobOffer` and `declineJobOffer` take it."),
};

/** The data of worker events that concern no job. */
const workerEventFields = {
  workerId: z.string().describe("The worker's id."),
};

/** The data `RouterWorkerRegistered` and `RouterWorkerUpdated` carry: the worker's configuration, in the preview vocabulary. */
const workerRegistrationFields = {
  ...workerEventFields,
  queueAssignments: z
    .array(z.strictObject({ id: z.string(), name: z.string().optional(), labels: LabelsSchema }))
    .describe("The worker's queues, each with its name and labels."),
  channelConfigurations: z
    .array(z.strictObject({ channelId: z.string(), capacityCostPerJob: z.number(), maxNumberOfJobs: z.number().optional() }))
    .describe("The worker's channels (`channels` of the resource)."),
  totalCapacity: z.number().describe("The worker's `capacity`."),
  labels: LabelsSchema.describe("The worker's labels, with its implicit `Id`."),
  tags: LabelsSchema.describe("The worker's tags."),
};

/** Data fields by name; each schema's description says what the field means. */
export type EventFields = Readonly<Record<string, z.ZodType>>;

/** Which common fields an event's data starts with, and so which `EventFactory` builder makes it. */
export type EventFieldGroup = 'job' | 'offer' | 'worker' | 'workerRegistration';

/** The common fields of each {@link EventFieldGroup}. */
export const eventFieldGroups = {
  job: jobEventFields,
  offer: offerEventFields,
  worker: workerEventFields,
  workerRegistration: workerRegistrationFields,
} as const satisfies Record<EventFieldGroup, EventFields>;

/** What declares one event type. */
export interface RouterEventSpec {
  /** When the router emits it. */
  readonly when: string;
  /** The subject, with `{field}` standing for that field of the data (empty when the field is absent). */
  readonly subject: string;
  readonly group: EventFieldGroup;
  /** The fields the data carries beside its group's. */
  readonly extra: EventFields;
}

const JOB = 'job/{jobId}/channel/{channelId}';
const OFFER = 'worker/{workerId}/job/{jobId}';
const WORKER = 'worker/{workerId}';
const assignmentId = z.string().describe('The assignment.');
const assignedWorkerId = z.string().describe('The worker the job is (or was) assigned to.');
const dispositionCode = z.string().optional().describe("The job's `dispositionCode`, when one was given.");
const waitingFields = {
  priority: jobPriority,
  expiredAttachedWorkerSelectors: selectors('The attached worker selectors that have expired.'),
  expiredRequestedWorkerSelectors: selectors('The requested worker selectors that have expired.'),
  unavailableForMatching: z.literal(true).describe('Always `true`: the job is not matched until it is activated.'),
};
const offerJobFields = {
  jobPriority,
  workerLabels: LabelsSchema.describe("The worker's labels, with its implicit `Id`."),
  workerTags: LabelsSchema.describe("The worker's tags."),
  jobLabels: LabelsSchema.describe("The job's labels."),
  jobTags: LabelsSchema.describe("The job's tags."),
};

/** Every event type, in the order of spec §3.8. */
export const routerEvents = {
  RouterJobReceived: {
    when: 'A job was created.',
    subject: JOB,
    group: 'job',
    extra: {
      jobStatus: z
        .enum(['PendingClassification', 'PendingSchedule', 'Queued', 'WaitingForActivation'])
        .describe(
          'The status the job starts in: `PendingClassification` with a classification policy, else by its matching mode ' +
            '(`Queued`, `PendingSchedule`, `WaitingForActivation`).',
        ),
      classificationPolicyId: z.string().optional().describe("The job's classification policy, when it has one."),
      priority: jobPriority,
      requestedWorkerSelectors,
      scheduledOn: DateTimeSchema.optional().describe('The `scheduleAt` of a `scheduleAndSuspend` job.'),
      unavailableForMatching: z.boolean().describe('`true` unless the matching mode is `queueAndMatch`.'),
    },
  },
  RouterJobClassified: {
    when: 'Classification chose a queue for the job (on creation, `reclassifyJob`, an update of its labels or policy, an exception rule).',
    subject: `${JOB}/classificationpolicy/{classificationPolicyId}`,
    group: 'job',
    extra: {
      queueDetails: z
        .strictObject({ id: z.string(), name: z.string().optional(), labels: LabelsSchema })
        .describe('The queue chosen, with its name and labels.'),
      classificationPolicyId: z.string().describe('The classification policy that classified the job.'),
      priority: jobPriority,
      attachedWorkerSelectors,
    },
  },
  RouterJobQueued: {
    when: 'The job entered its queue: created, classified or activated, unassigned, moved by an update or an exception rule.',
    subject: `${JOB}/queue/{queueId}`,
    group: 'job',
    extra: {
      priority: jobPriority,
      requestedWorkerSelectors,
      attachedWorkerSelectors,
    },
  },
  RouterJobClassificationFailed: {
    when: 'Classification failed: no queue found and no fallback, a rule failed, or the policy is missing.',
    subject: `${JOB}/classificationpolicy/{classificationPolicyId}`,
    group: 'job',
    extra: {
      classificationPolicyId: z.string().optional().describe("The job's classification policy, when it has one."),
      errors: z
        .array(z.strictObject({ code: z.string(), message: z.string(), target: z.string() }))
        .describe('Why: a code, a message and where in the policy (`target`).'),
    },
  },
  RouterJobCompleted: {
    when: '`completeJob`, or `closeJob` of an assigned job (which completes it on the way).',
    subject: `${JOB}/assignment/{assignmentId}`,
    group: 'job',
    extra: { assignmentId, workerId: assignedWorkerId },
  },
  RouterJobClosed: {
    when: 'A close took effect: at `closeJob`, or at its `closeAt`. The worker\'s capacity is released.',
    subject: `${JOB}/assignment/{assignmentId}`,
    group: 'job',
    extra: {
      assignmentId,
      workerId: assignedWorkerId,
      dispositionCode,
    },
  },
  RouterJobCancelled: {
    when: '`cancelJob`, or an exception rule\'s `cancel` action.',
    subject: `${JOB}/disposition/{dispositionCode}`,
    group: 'job',
    extra: {
      note: z.string().optional().describe('The note given with the cancellation, if any.'),
      dispositionCode,
    },
  },
  RouterJobExceptionTriggered: {
    when: "An exception rule's trigger (queue length on arrival, wait time) fired; its actions follow.",
    subject: `${JOB}/exceptionrule/{ruleKey}`,
    group: 'job',
    extra: {
      ruleKey: z.string().describe("The exception rule's id."),
      exceptionRuleId: z.string().describe("The exception rule's id (the same as `ruleKey`)."),
    },
  },
  RouterJobWorkerSelectorsExpired: {
    when: "Worker selectors with `expiresAfterSeconds` expired; a queued job is matched again at once.",
    subject: JOB,
    group: 'job',
    extra: {
      expiredRequestedWorkerSelectors: selectors('The requested worker selectors that expired now.'),
      expiredAttachedWorkerSelectors: selectors('The attached worker selectors that expired now.'),
    },
  },
  RouterJobUnassigned: {
    when: '`unassignJob`; `RouterJobQueued` follows, or `RouterJobWaitingForActivation` with `suspendMatching`.',
    subject: `${JOB}/assignment/{assignmentId}`,
    group: 'job',
    extra: { assignmentId, workerId: assignedWorkerId },
  },
  RouterJobWaitingForActivation: {
    when:
      'The job waits to be activated: it was created, classified or updated with matching mode `suspend`, its `scheduleAt` ' +
      'came, or it was unassigned with `suspendMatching`.',
    subject: JOB,
    group: 'job',
    extra: {
      ...waitingFields,
      scheduledOn: DateTimeSchema.optional().describe('When the `scheduleAt` of a `scheduleAndSuspend` job came.'),
    },
  },
  RouterJobSchedulingFailed: {
    when: 'A `scheduleAndSuspend` job asked for a `scheduleAt` more than 90 days ahead, beyond the maximum lifetime of a job.',
    subject: JOB,
    group: 'job',
    extra: {
      ...waitingFields,
      scheduledOn: DateTimeSchema.describe('The `scheduleAt` asked for.'),
      failureReason: z.string().describe('Why scheduling failed.'),
    },
  },
  RouterJobDeleted: {
    when: '`deleteJob` of a closed or cancelled job.',
    subject: JOB,
    group: 'job',
    extra: {},
  },
  RouterWorkerOfferIssued: {
    when: 'The job was offered to the worker.',
    subject: OFFER,
    group: 'offer',
    extra: {
      ...offerJobFields,
      offeredOn: DateTimeSchema.describe('When the offer was issued.'),
      expiresOn: DateTimeSchema.optional().describe(
        "When the offer expires; absent when the queue's distribution policy sets no `offerExpiresAfterSeconds`.",
      ),
    },
  },
  RouterWorkerOfferAccepted: {
    when: '`acceptJobOffer`: the job is assigned to the worker; its other offers are revoked.',
    subject: OFFER,
    group: 'offer',
    extra: { ...offerJobFields, assignmentId: z.string().describe('The assignment the accept created.') },
  },
  RouterWorkerOfferDeclined: {
    when: '`declineJobOffer`.',
    subject: OFFER,
    group: 'offer',
    extra: {},
  },
  RouterWorkerOfferRevoked: {
    when:
      'The offer was withdrawn: another worker accepted the job; the job was cancelled, re-classified or left matching; the ' +
      "worker was deregistered, deleted or no longer fits; the distribution policy's `maxConcurrentOffers` was lowered.",
    subject: OFFER,
    group: 'offer',
    extra: {},
  },
  RouterWorkerOfferExpired: {
    when: "The offer's `expiresOn` passed.",
    subject: OFFER,
    group: 'offer',
    extra: {},
  },
  RouterWorkerRegistered: {
    when: 'The worker became active (`availableForOffers: true`).',
    subject: WORKER,
    group: 'workerRegistration',
    extra: {},
  },
  RouterWorkerDeregistered: {
    when: 'An active worker stopped being active (`availableForOffers: false`); with jobs still assigned it drains.',
    subject: WORKER,
    group: 'worker',
    extra: {},
  },
  RouterWorkerDeleted: {
    when: '`deleteWorker`.',
    subject: WORKER,
    group: 'worker',
    extra: {},
  },
  RouterWorkerUpdated: {
    when: 'An upsert changed an existing worker without registering or deregistering it.',
    subject: WORKER,
    group: 'workerRegistration',
    extra: {
      updatedWorkerProperties: z
        .array(z.enum(['AvailableForOffers', 'TotalCapacity', 'QueueAssignments', 'Labels', 'Tags', 'ChannelConfigurations']))
        .describe('Which properties changed.'),
    },
  },
} as const satisfies Record<string, RouterEventSpec>;

type RouterEvents = typeof routerEvents;
type EventTypeName = keyof RouterEvents;

export const RouterEventTypeSchema = z.enum(Object.keys(routerEvents) as [EventTypeName, ...EventTypeName[]]);
export type RouterEventType = z.infer<typeof RouterEventTypeSchema>;

/** The data of each event type, as a strict object: its group's fields, then its own. */
export const routerEventDataSchemas = Object.fromEntries(
  RouterEventTypeSchema.options.map((type) => {
    const spec: RouterEventSpec = routerEvents[type];
    const data: EventDataSchema = z.strictObject({ ...eventFieldGroups[spec.group], ...spec.extra });
    return [type, data];
  }),
) as Readonly<Record<RouterEventType, EventDataSchema>>;

/** The schema of one event type's data. */
export type EventDataSchema = z.ZodObject<z.ZodRawShape, z.core.$strict>;

/** The event types whose data starts with the fields of `G`. */
export type EventTypeOf<G extends EventFieldGroup> = { [T in RouterEventType]: RouterEvents[T]['group'] extends G ? T : never }[RouterEventType];

/** The common fields of group `G`. */
export type EventGroupData<G extends EventFieldGroup> = z.output<z.ZodObject<(typeof eventFieldGroups)[G]>>;

/** What an event of type `T` carries beside its group's fields. */
export type EventExtra<T extends RouterEventType> = z.output<z.ZodObject<RouterEvents[T]['extra']>>;

/** The fields of `RouterWorkerOfferIssued` and `RouterWorkerOfferAccepted` that describe the job and the worker. */
export type OfferJobFields = z.output<z.ZodObject<typeof offerJobFields>>;

/**
 * What a machine emits when one of its transitions makes an event's fact true: the event type, `Subject` (what the
 * engine builds the type's common fields from: a job's data, an offer, a worker's id and configuration) and the
 * fields of the type's own the machine knows. The engine adds the rest (`EventFactory.fromFact`).
 */
export type EventFact<T extends RouterEventType, Subject, Known extends object = EventExtra<T>> = { readonly type: T } & Subject & OwnFields<Known>;

/** The data of a type without fields of its own is `Record<string, never>`, which no fact with a `type` would fit. */
type OwnFields<Known> = string extends keyof Known ? unknown : Known;

/**
 * One event. `type` is Azure's short name (Event Grid's `eventType` is `Microsoft.Communication.` + `type`);
 * `sequenceNumber` increases by one per committed event, so a gap is detectable. `data` is as
 * {@link routerEventDataSchemas} declares for the type.
 */
export const RouterEventSchema = z.object({
  sequenceNumber: z.number().int().positive(),
  id: z.string(),
  type: RouterEventTypeSchema,
  subject: z.string(),
  time: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type RouterEvent = z.infer<typeof RouterEventSchema>;
