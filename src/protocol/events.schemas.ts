import { z } from 'zod';

/** Router events (spec §3.8): Azure's names and data fields, plus Switchboard's global sequence number. */

export const RouterEventTypeSchema = z.enum([
  'RouterJobReceived',
  'RouterJobClassified',
  'RouterJobQueued',
  'RouterJobClassificationFailed',
  'RouterJobCompleted',
  'RouterJobClosed',
  'RouterJobCancelled',
  'RouterJobExceptionTriggered',
  'RouterJobWorkerSelectorsExpired',
  'RouterJobUnassigned',
  'RouterJobWaitingForActivation',
  'RouterJobSchedulingFailed',
  'RouterJobDeleted',
  'RouterWorkerOfferIssued',
  'RouterWorkerOfferAccepted',
  'RouterWorkerOfferDeclined',
  'RouterWorkerOfferRevoked',
  'RouterWorkerOfferExpired',
  'RouterWorkerRegistered',
  'RouterWorkerDeregistered',
  'RouterWorkerDeleted',
  'RouterWorkerUpdated',
]);
export type RouterEventType = z.infer<typeof RouterEventTypeSchema>;

/**
 * One event. `type` is Azure's short name (Event Grid's `eventType` is `Microsoft.Communication.` + `type`);
 * `sequenceNumber` increases by one per committed event, so a gap is detectable.
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
