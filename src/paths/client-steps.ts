/**
 * What a client developer does, as opposed to what the engine sends its machines: the step of a test path. A step is
 * an API operation (`upsertJob`, `acceptJobOffer`, …) with its arguments, or time passing; `$name` placeholders in
 * the arguments stand for the ids and times of one run (see {@link PLACEHOLDERS}).
 *
 * @module
 */
import type { EventObject, Snapshot } from 'xstate';
import type { ClientStep } from './paths.schemas.ts';

/**
 * One way a path moves on: the client step, and the machine events it makes the router send, in order — the
 * operation's own event and the router's immediate reactions to it (a job created with a queue is enqueued in the
 * same command).
 */
export interface PathOperation<TSnapshot extends Snapshot<unknown>, TEvent extends EventObject> {
  /** Unique within its machine, e.g. `acceptJobOffer`, `closeJob(closeAt)`; names the step in path names. */
  readonly label: string;
  readonly step: ClientStep;
  /** Every event type `events` may give: the mapping from machine events to client steps is read from these. */
  readonly causes: readonly TEvent['type'][];
  /** The events it causes from this snapshot, or `undefined` when the step makes no sense there. */
  readonly events: (snapshot: TSnapshot) => readonly TEvent[] | undefined;
}

/** The placeholders the steps' arguments use; a client replaces each with a value of its own run. */
export const PLACEHOLDERS = {
  $jobId: 'the id of the job the path follows',
  $workerId: "the id of the worker whose offer or lifecycle the path follows ('your' worker)",
  $otherWorkerId: 'the id of a second worker in the same queue (for an offer revoked because another worker accepted)',
  $queueId: 'the id of a queue of this run',
  $distributionPolicyId: 'the id of a distribution policy of this run',
  $classificationPolicyId: 'the id of a classification policy that routes to $queueId',
  $failingClassificationPolicyId: 'the id of a classification policy that finds no queue',
  $offerId: 'the offer the router issued to $workerId for $jobId (read it from the worker, or from its offer push)',
  $otherOfferId: 'the offer the router issued to $otherWorkerId for $jobId',
  $assignmentId: "the job's current assignment (from acceptJobOffer's answer, or the job's assignments)",
  '$now+<n>s': 'an ISO 8601 time n seconds (or d days, with <n>d) after the step is performed',
} as const;
