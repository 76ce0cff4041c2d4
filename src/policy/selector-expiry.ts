/**
 * Worker selector expiry (spec §3.5). A selector with `expiresAfterSeconds` is stamped `active` with an `expiresAt`;
 * one deadline per job, `selectors:<jobId>`, is armed on the deadline heap at the earliest such time. When it is due
 * the selectors that expired are marked `expired` — they stop constraining matching and stop expediting — and the job
 * is matched again at once.
 */
import { jobStatusHasTag, type JobData } from '../../machines/job.machine.ts';
import type { Engine, JobRecord } from '../engine/engine.ts';
import type { RouterWorkerSelector } from '../protocol/common.schemas.ts';
import { toIso } from '../time.ts';

/** Sets `status`, and `expiresAt` counted from `now` on a selector that expires and has none yet. */
export function stampSelector(selector: RouterWorkerSelector, now: number): RouterWorkerSelector {
  if (selector.expiresAfterSeconds === undefined) return { ...selector, status: selector.status ?? 'active' };
  if (selector.expiresAt !== undefined) return selector;
  return { ...selector, status: 'active', expiresAt: toIso(now + selector.expiresAfterSeconds * 1000) };
}

/** When a selector stops being in force; `undefined` for one that never expires or already has. */
function expiryOf(selector: RouterWorkerSelector): number | undefined {
  return selector.status === 'expired' || selector.expiresAt === undefined ? undefined : Date.parse(selector.expiresAt);
}

function key(jobId: string): string {
  return `selectors:${jobId}`;
}

function earliestExpiry(selectors: readonly RouterWorkerSelector[]): number {
  let earliest = Infinity;
  for (const selector of selectors) {
    const expiry = expiryOf(selector);
    if (expiry !== undefined && expiry < earliest) earliest = expiry;
  }
  return earliest;
}

/** The earliest expiry still ahead among the job's selectors; Infinity for none, or once the job is settled. */
function selectorDeadline(record: JobRecord | undefined): number {
  if (!record || jobStatusHasTag(record.status, 'settled')) return Infinity;
  const job = record.context.job;
  return Math.min(earliestExpiry(job.requestedWorkerSelectors), earliestExpiry(job.attachedWorkerSelectors));
}

/** Arms the job's selector deadline at the earliest expiry still ahead, or disarms it when there is none. */
export function armSelectorExpiry(engine: Engine, jobId: string): void {
  const earliest = selectorDeadline(engine.job(jobId));
  if (earliest === Infinity) engine.deadlines.cancel(key(jobId));
  else engine.deadlines.arm(key(jobId), earliest);
}

/**
 * {@link armSelectorExpiry} at a restart, when nothing is armed yet: only a job with a selector still to expire
 * touches the deadline heap (a restart visits every stored job).
 */
export function rearmSelectorExpiry(engine: Engine, jobId: string, record: JobRecord): void {
  const earliest = selectorDeadline(record);
  if (earliest !== Infinity) engine.deadlines.arm(key(jobId), earliest);
}

/** Marks the selectors due by `at` expired; `expired` lists them. */
function expireDue(selectors: readonly RouterWorkerSelector[], at: number): { selectors: RouterWorkerSelector[]; expired: RouterWorkerSelector[] } {
  const expired: RouterWorkerSelector[] = [];
  const updated = selectors.map((selector) => {
    const expiry = expiryOf(selector);
    if (expiry === undefined || expiry > at) return selector;
    const marked = { ...selector, status: 'expired' as const };
    expired.push(marked);
    return marked;
  });
  return { selectors: updated, expired };
}

/**
 * `selectors:<jobId>` is due: the selectors that expired are marked, `RouterJobWorkerSelectorsExpired` lists them,
 * and a queued job takes its new place in line (an expedite may have ended) and is matched at once, now that fewer
 * selectors constrain it.
 */
export function expireSelectors(engine: Engine, jobId: string, at: number): void {
  const record = engine.job(jobId);
  if (!record || jobStatusHasTag(record.status, 'settled')) return;
  const job: JobData = record.context.job;
  const requested = expireDue(job.requestedWorkerSelectors, at);
  const attached = expireDue(job.attachedWorkerSelectors, at);
  if (requested.expired.length > 0 || attached.expired.length > 0) {
    const changes = { requestedWorkerSelectors: requested.selectors, attachedWorkerSelectors: attached.selectors };
    engine.sendJob(jobId, { type: 'job.selectorsExpired', changes, expired: { requested: requested.expired, attached: attached.expired }, at });
    engine.dispatch.reindex(jobId);
    engine.matching.job(jobId);
  }
  armSelectorExpiry(engine, jobId);
}
