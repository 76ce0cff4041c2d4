import { z } from 'zod';
import { ResourceIdSchema, resourceMeta } from './common.schemas.ts';
import { RouterEventSchema, RouterEventTypeSchema } from './events.schemas.ts';

/**
 * Event subscriptions (a Switchboard extension): webhook delivery of the router's events, in the Event Grid schema
 * Azure's Job Router published or in CloudEvents 1.0. Field names follow Event Grid's event subscriptions where it
 * has one (`eventDeliverySchema`, `filter.includedEventTypes`, `retryPolicy`, `maxEventsPerBatch`), so a team moves
 * its subscription settings across unchanged. See docs/webhooks.md.
 */

/** Event Grid's name for an event type: `Microsoft.Communication.` and the router's name. */
export const AZURE_EVENT_TYPE_PREFIX = 'Microsoft.Communication.';

const azureEventTypes = RouterEventTypeSchema.options.map((type) => `${AZURE_EVENT_TYPE_PREFIX}${type}`);
export const AzureEventTypeSchema = z.enum(azureEventTypes as [string, ...string[]]);

/**
 * A signing secret in the Standard Webhooks form (standardwebhooks.com): `whsec_` and the base64 of 24 to 64 random
 * bytes, which its libraries take as is to verify the `webhook-signature` header.
 */
export const SigningSecretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'must be "whsec_" followed by the base64 of 24 to 64 random bytes');

export const eventSubscriptionFields = {
  /** Where events are POSTed. */
  endpointUrl: z.url({ protocol: /^https?$/, error: 'must be an absolute http or https URL' }).max(2048),
  eventDeliverySchema: z.enum(['EventGridSchema', 'CloudEventSchemaV1_0']).default('EventGridSchema'),
  filter: z
    .strictObject({
      includedEventTypes: z.array(AzureEventTypeSchema).min(1).max(64).optional(),
      /** Only events whose data names one of these queues (worker-only events name none, so they never match). */
      queueIds: z.array(ResourceIdSchema).min(1).max(100).optional(),
      subjectBeginsWith: z.string().min(1).max(256).optional(),
      subjectEndsWith: z.string().min(1).max(256).optional(),
    })
    .default({}),
  maxEventsPerBatch: z.number().int().min(1).max(5000).default(1),
  retryPolicy: z
    .strictObject({
      maxDeliveryAttempts: z.number().int().min(1).max(30).default(30),
      eventTimeToLiveInMinutes: z.number().int().min(1).max(1440).default(1440),
    })
    .default({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }),
  /** `handshake`: Event Grid's subscription validation before anything is delivered. `none`: deliver at once. */
  endpointValidation: z.enum(['handshake', 'none']).default('handshake'),
  /** The `topic` (Event Grid) or `source` (CloudEvents) of every delivered event. */
  topic: z.string().min(1).max(256).default('/switchboard'),
  /** Write-only: when set, every delivery is signed (Standard Webhooks headers). Never read back. */
  signingSecret: SigningSecretSchema.optional(),
};

export const EventSubscriptionWritableSchema = z.object(eventSubscriptionFields);
export type EventSubscriptionWritable = z.infer<typeof EventSubscriptionWritableSchema>;

/** How the last attempt to deliver (or validate) ended. */
export const DeliveryOutcomeSchema = z.enum(['Succeeded', 'HttpError', 'Timeout', 'NetworkError', 'ValidationFailed']);
export type DeliveryOutcome = z.infer<typeof DeliveryOutcomeSchema>;

/** What the router tracks of a subscription's delivery; read-only, and not part of its etag. */
export const eventSubscriptionStatusFields = {
  /** `Creating` until the endpoint has passed validation; `Failed` when it did not within the retry policy. */
  provisioningState: z.enum(['Creating', 'Succeeded', 'Failed']),
  /** Every event up to this number has been delivered, dead-lettered or skipped by the filter (the durable cursor). */
  deliveredSequenceNumber: z.number().int().min(0),
  deliveredEventCount: z.number().int().min(0),
  deadLetteredEventCount: z.number().int().min(0),
  lastDeliveryOutcome: DeliveryOutcomeSchema.optional(),
  lastHttpStatusCode: z.number().int().optional(),
  lastDeliveryAttemptTime: z.iso.datetime().optional(),
  /** Set while the head batch waits to be retried. */
  nextDeliveryAttemptTime: z.iso.datetime().optional(),
  lastError: z.string().max(1024).optional(),
};
export const EventSubscriptionStatusSchema = z.object(eventSubscriptionStatusFields);
export type EventSubscriptionStatus = z.infer<typeof EventSubscriptionStatusSchema>;

export const EventSubscriptionSchema = z.object({
  ...resourceMeta,
  ...EventSubscriptionWritableSchema.omit({ signingSecret: true }).shape,
  hasSigningSecret: z.boolean(),
  ...eventSubscriptionStatusFields,
});
export type EventSubscription = z.infer<typeof EventSubscriptionSchema>;

export const DeadLetterReasonSchema = z.enum([
  'MaxDeliveryAttemptsExceeded',
  'TimeToLiveExceeded',
  'NonRetriableStatusCode',
  'EventsNoLongerAvailable',
]);
export type DeadLetterReason = z.infer<typeof DeadLetterReasonSchema>;

/**
 * A batch given up on, with why (Event Grid's dead-letter fields). `EventsNoLongerAvailable` means the event history
 * was pruned past the cursor before these numbers could be delivered: `events` is then empty and the range says
 * what was lost.
 */
export const DeadLetterSchema = z.object({
  id: z.string(),
  eventSubscriptionId: z.string(),
  deadLetterReason: DeadLetterReasonSchema,
  deliveryAttempts: z.number().int().min(0),
  lastDeliveryOutcome: DeliveryOutcomeSchema.optional(),
  lastHttpStatusCode: z.number().int().optional(),
  lastError: z.string().max(1024).optional(),
  deadLetteredTime: z.iso.datetime(),
  firstSequenceNumber: z.number().int().min(1),
  lastSequenceNumber: z.number().int().min(1),
  events: z.array(RouterEventSchema),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;
