/**
 * The restarted server's event history digested once: every offer's life, the once-only milestones of each job,
 * and what the history itself breaks (numbers that skip or repeat, offers that end twice or without being issued).
 */
import type { RouterEvent } from '../../src/protocol/events.schemas.ts';
import type { Finding } from './findings.ts';

export interface OfferLife {
  readonly offerId: string;
  readonly workerId: string;
  readonly jobId: string;
  readonly issuedAt: number;
  readonly issuedSequence: number;
  /** When it expires, epoch ms; undefined for an offer without expiry. */
  readonly expiresAt: number | undefined;
  end?: { readonly type: string; readonly at: number; readonly sequence: number; readonly assignmentId?: string | undefined };
}

const OFFER_ENDS = new Set(['RouterWorkerOfferAccepted', 'RouterWorkerOfferDeclined', 'RouterWorkerOfferExpired', 'RouterWorkerOfferRevoked']);

/** Job events that happen at most once per job, and those that happen at most once per assignment. */
const ONCE_PER_JOB = new Set(['RouterJobReceived', 'RouterJobCancelled', 'RouterJobDeleted', 'RouterJobWaitingForActivation']);
const ONCE_PER_ASSIGNMENT = new Set(['RouterJobCompleted', 'RouterJobClosed']);

export class EventIndex {
  readonly offers = new Map<string, OfferLife>();
  /** `type|jobId` or `type|assignmentId` of each once-only event seen. */
  readonly #milestones = new Set<string>();
  readonly findings: Finding[] = [];

  /** Digests `events`, which must be the history from sequence number 1 in the order received. */
  constructor(events: readonly RouterEvent[]) {
    events.forEach((event, index) => {
      if (event.sequenceNumber !== index + 1 && this.findings.length === 0)
        this.findings.push({
          kind: 'violation',
          check: 'gapless sequence',
          message: `event #${index + 1} of the history has sequence number ${event.sequenceNumber} (${event.type})`,
        });
      this.#milestone(event);
      this.#offer(event);
    });
  }

  /** Whether a once-only event was seen: `RouterJobReceived|<jobId>`, `RouterJobClosed|<assignmentId>`, … */
  saw(milestone: string): boolean {
    return this.#milestones.has(milestone);
  }

  /** Offers issued and not ended as of `sequence`: offer id → life. */
  liveAt(sequence: number): Map<string, OfferLife> {
    const live = new Map<string, OfferLife>();
    for (const life of this.offers.values())
      if (life.issuedSequence <= sequence && (life.end === undefined || life.end.sequence > sequence)) live.set(life.offerId, life);
    return live;
  }

  #milestone(event: RouterEvent): void {
    const key = ONCE_PER_JOB.has(event.type)
      ? `${event.type}|${String(event.data['jobId'])}`
      : ONCE_PER_ASSIGNMENT.has(event.type)
        ? `${event.type}|${String(event.data['assignmentId'])}`
        : undefined;
    if (key === undefined) return;
    if (this.#milestones.has(key))
      this.findings.push({ kind: 'violation', check: 'happens once', message: `${key} happened twice (again at #${event.sequenceNumber})` });
    this.#milestones.add(key);
  }

  #offer(event: RouterEvent): void {
    const offerId = event.data['offerId'];
    if (typeof offerId !== 'string') return;
    const workerId = String(event.data['workerId']);
    const jobId = String(event.data['jobId']);
    const at = Date.parse(event.time);
    const where = `offer ${offerId} (job ${jobId}, worker ${workerId})`;
    if (event.type === 'RouterWorkerOfferIssued') {
      if (this.offers.has(offerId))
        this.findings.push({ kind: 'violation', check: 'offer issued once', message: `${where} issued again at #${event.sequenceNumber}` });
      const expiresOn = event.data['expiresOn'];
      const expiresAt = typeof expiresOn === 'string' ? Date.parse(expiresOn) : undefined;
      this.offers.set(offerId, { offerId, workerId, jobId, issuedAt: at, issuedSequence: event.sequenceNumber, expiresAt });
      return;
    }
    if (!OFFER_ENDS.has(event.type)) return;
    const life = this.offers.get(offerId);
    if (life === undefined || life.workerId !== workerId || life.jobId !== jobId) {
      this.findings.push({ kind: 'violation', check: 'offer ends once', message: `${where}: ${event.type} at #${event.sequenceNumber} without a matching issue` });
      return;
    }
    if (life.end !== undefined) {
      this.findings.push({
        kind: 'violation',
        check: 'offer ends once',
        message: `${where} ended twice: ${life.end.type} at #${life.end.sequence}, then ${event.type} at #${event.sequenceNumber}`,
      });
      return;
    }
    const assignmentId = event.data['assignmentId'];
    life.end = { type: event.type, at, sequence: event.sequenceNumber, assignmentId: typeof assignmentId === 'string' ? assignmentId : undefined };
  }
}
