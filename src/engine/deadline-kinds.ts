/**
 * Every kind of deadline the router arms on its heap. A key reads `<kind>:<subject>` or `<kind>:<subject>|<detail>`
 * (see `deadline-heap.ts`). What happens when one is due is written in one table, `src/operations/deadlines.ts`,
 * whose type requires a handler for each kind named here.
 */
export const DEADLINE_KINDS = {
  /** `offer:<offerId>`: an offer's `expiresAt`; it expires. */
  offer: 'offer',
  /** `retry:<jobId>|<workerId>`: a decline's `retryOfferAt`; the worker may be offered the job again. */
  retry: 'job',
  /** `close:<jobId>`: a completed job's `closeAt`; it closes. */
  close: 'job',
  /** `schedule:<jobId>`: a `scheduleAndSuspend` job's `scheduleAt`; it stops waiting for its time. */
  schedule: 'job',
  /** `selectors:<jobId>`: the earliest expiry of a job's worker selectors; those that expired stop applying. */
  selectors: 'job',
  /** `exception:<jobId>|<ruleId>`: a wait-time exception rule's threshold; the rule fires. */
  exception: 'job',
} as const satisfies Record<string, 'offer' | 'job'>;

export type DeadlineKind = keyof typeof DEADLINE_KINDS;

/** What to do when a deadline of one kind is due: `rest` is the key after `<kind>:`, `at` the time it was due. */
export type DeadlineHandler = (rest: string, at: number) => void;

/** A handler for every kind of deadline. */
export type DeadlineTable = { readonly [K in DeadlineKind]: DeadlineHandler };

/** The deadline kinds whose subject is a job: a deleted job takes them with it. */
export const JOB_DEADLINE_KINDS = (Object.keys(DEADLINE_KINDS) as DeadlineKind[]).filter((kind) => DEADLINE_KINDS[kind] === 'job');
