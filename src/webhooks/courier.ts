import type { RouterEvent } from '../protocol/events.schemas.ts';
import type { DeadLetterReason, EventSubscriptionStatus, EventSubscriptionWritable } from '../protocol/event-subscription.schemas.ts';
import { deliver, validateCloudEventsEndpoint, validateEventGridEndpoint, type Attempt } from './endpoint.ts';
import { deliveryPayload } from './payloads.ts';
import { signatureHeaders } from './signature.ts';
import { matchesSubscription } from './subscription-record.ts';

/** How deliveries are paced and bounded, for every subscription of a router. */
export interface DeliverySettings {
  /** The wait before the first retry; each later one doubles it, up to `retryMaxMs`. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** How long an endpoint may take to answer one request. */
  readonly timeoutMs: number;
  /** A draw in [0, 1) for the jitter of retry waits. */
  readonly random: () => number;
}

/** What a courier needs from the subscriptions it serves: the router's state and the way to change it. */
export interface CourierHost {
  readonly settings: DeliverySettings;
  now(): number;
  /** The subscription's status as now stored; `undefined` once it is deleted. */
  status(id: string): EventSubscriptionStatus | undefined;
  /** The newest event whose commit is acknowledged: nothing later may be delivered yet. */
  lastPublished(): number;
  /** Committed events from `from`, in order; the first is later than `from` when older ones were pruned. */
  readEvents(from: number, limit: number): Promise<RouterEvent[]>;
  /** Commits a change of the subscription's status. */
  update(id: string, change: Partial<EventSubscriptionStatus>): Promise<void>;
  /** Commits a batch given up on together with the cursor moving past it. */
  deadLetter(id: string, letter: DeadLetterDraft): Promise<void>;
  /** Each request made, for metrics and logs. */
  report(report: AttemptReport): void;
}

/** A dead letter as a courier hands it over; the host gives it its id and time. */
export interface DeadLetterDraft {
  readonly reason: DeadLetterReason;
  readonly attempts: number;
  readonly last?: Attempt | undefined;
  readonly firstSequenceNumber: number;
  readonly lastSequenceNumber: number;
  readonly events: readonly RouterEvent[];
}

/** One request to an endpoint, as metrics and logs see it. */
export interface AttemptReport {
  readonly eventSubscriptionId: string;
  readonly kind: 'validation' | 'delivery';
  readonly attempt: Attempt;
  readonly events: number;
  readonly durationMs: number;
  /** Set when the batch was dead-lettered after this attempt. */
  readonly deadLettered?: DeadLetterReason | undefined;
}

/** Events read from the store per look; the batch taken from them is at most `maxEventsPerBatch`. */
const READ_PAGE = 1000;
/** How long a cursor moved only past filtered-out events may wait before it is stored. */
const CURSOR_PERSIST_MS = 1000;
/** Statuses Event Grid does not retry: the endpoint has said the request itself is wrong. */
const NON_RETRIABLE = new Set([400, 413]);

/** The wait before retry number `attempt` (1-based): exponential with jitter, at least what `Retry-After` asked. */
export function retryDelay(settings: DeliverySettings, attempt: number, retryAfterMs?: number): number {
  const exponential = Math.min(settings.retryMaxMs, settings.retryInitialMs * 2 ** (attempt - 1));
  // Equal jitter: half fixed, half random, so a crowd of failing subscriptions spreads out but none retries at once.
  const jittered = exponential / 2 + (settings.random() * exponential) / 2;
  return Math.min(settings.retryMaxMs, Math.max(jittered, retryAfterMs ?? 0));
}

/**
 * Delivers one subscription's events, in sequence order, one request at a time: at least once, since its cursor is
 * stored only after the endpoint's 2xx (a crash in between delivers the batch again, with the same event ids). A
 * batch that fails is retried with backoff and holds back the ones after it, so order is kept; it is dead-lettered
 * when the retry policy runs out. A courier serves one version of a subscription's settings: a change replaces it.
 */
export class Courier {
  readonly #host: CourierHost;
  readonly #id: string;
  readonly #config: EventSubscriptionWritable;
  readonly #stop = new AbortController();
  readonly #done: Promise<void>;
  #wake: (() => void) | undefined;
  /** Every event up to here is dealt with; the stored cursor may lag behind it by filtered-out events. */
  #scanned: number;
  #persistTimer: NodeJS.Timeout | undefined;
  /** Events read from the store and not yet taken into a batch, from `#readFrom` on: one read serves many batches. */
  #readAhead: RouterEvent[] = [];
  #readFrom = 0;

  constructor(host: CourierHost, id: string, config: EventSubscriptionWritable, cursor: number) {
    this.#host = host;
    this.#id = id;
    this.#config = config;
    this.#scanned = cursor;
    this.#done = this.#run().catch(() => {
      // Only a failed commit ends a courier early, and that stops the whole router.
    });
  }

  /** New events were published. */
  notify(): void {
    this.#wake?.();
  }

  /** Stops at once: a request under way is aborted and its batch stays undelivered for whoever comes next. */
  async stop(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#persistTimer);
    this.#wake?.();
    await this.#done;
  }

  get #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const status = this.#host.status(this.#id);
      if (!status || status.provisioningState === 'Failed') return;
      if (status.provisioningState === 'Creating') {
        if (!(await this.#validate())) return;
        continue;
      }
      const batch = await this.#nextBatch();
      if (batch === undefined) await this.#idle();
      else if (batch.events.length > 0) await this.#deliver(batch.events, batch.end);
      else {
        this.#scanned = batch.end;
        // A store may answer reads at once; skipping a long run of filtered-out events must not hold the loop.
        await yieldToEventLoop();
      }
    }
  }

  /** Waits for new events (or a stop), storing first a cursor that only moved past filtered-out events. */
  async #idle(): Promise<void> {
    const stored = this.#host.status(this.#id)?.deliveredSequenceNumber ?? this.#scanned;
    if (this.#scanned > stored && this.#persistTimer === undefined) {
      this.#persistTimer = setTimeout(() => {
        this.#persistTimer = undefined;
        if (!this.#stopped) void this.#host.update(this.#id, { deliveredSequenceNumber: this.#scanned }).catch(() => undefined);
      }, CURSOR_PERSIST_MS);
      this.#persistTimer.unref();
    }
    if (this.#host.lastPublished() > this.#scanned) return;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    this.#wake = undefined;
  }

  /**
   * The next events to send: up to `maxEventsPerBatch` that match the filter, and the number up to which the batch
   * accounts for every event. `undefined` when there is nothing new; an empty batch when only filtered-out events
   * were read. A gap at the start (history pruned before it was delivered) is dead-lettered as such.
   */
  async #nextBatch(): Promise<{ events: RouterEvent[]; end: number } | undefined> {
    const head = this.#host.lastPublished();
    if (head <= this.#scanned) return undefined;
    const from = this.#scanned + 1;
    if (this.#readAhead[this.#readFrom]?.sequenceNumber !== from) {
      const page = await this.#host.readEvents(from, READ_PAGE);
      const first = page[0]?.sequenceNumber ?? head + 1;
      if (first > from) {
        const lost = Math.min(first, head + 1) - 1;
        await this.#host.deadLetter(this.#id, { reason: 'EventsNoLongerAvailable', attempts: 0, firstSequenceNumber: from, lastSequenceNumber: lost, events: [] });
        this.#scanned = lost;
        return { events: [], end: lost };
      }
      // The store may hold a batch whose commit is not yet acknowledged: it is not published, so not delivered yet.
      this.#readAhead = page.filter((event) => event.sequenceNumber <= head);
      this.#readFrom = 0;
    }
    const events: RouterEvent[] = [];
    let end = this.#scanned;
    while (this.#readFrom < this.#readAhead.length) {
      const event = this.#readAhead[this.#readFrom++]!;
      end = event.sequenceNumber;
      if (matchesSubscription(event, this.#config.filter)) {
        events.push(event);
        if (events.length === this.#config.maxEventsPerBatch) break;
      }
    }
    return end === this.#scanned ? undefined : { events, end };
  }

  /** Sends one batch until it is delivered, given up on, or the courier stops. */
  async #deliver(events: RouterEvent[], end: number): Promise<void> {
    const { maxDeliveryAttempts, eventTimeToLiveInMinutes } = this.#config.retryPolicy;
    const ttlMs = eventTimeToLiveInMinutes * 60_000;
    const first = events[0]!.sequenceNumber;
    const messageId = `${this.#id}-${first}-${events.at(-1)!.sequenceNumber}`;
    const payload = deliveryPayload(events, this.#config);
    const deadLetter = async (reason: DeadLetterReason, attempts: number, last?: Attempt) => {
      await this.#host.deadLetter(this.#id, { reason, attempts, last, firstSequenceNumber: first, lastSequenceNumber: end, events });
      this.#scanned = end;
      // Dead-lettering a backlog makes no request: let the rest of the process run between batches.
      await yieldToEventLoop();
    };
    for (let attempts = 0; ; ) {
      if (this.#host.now() - Date.parse(events[0]!.time) > ttlMs) return deadLetter('TimeToLiveExceeded', attempts);
      attempts++;
      const headers: Record<string, string> = {
        'aeg-event-type': 'Notification',
        'aeg-subscription-name': this.#id.toUpperCase(),
        'aeg-delivery-count': String(attempts - 1),
        'aeg-data-version': '1.0',
        'aeg-metadata-version': '1',
        ...(this.#config.signingSecret ? signatureHeaders(this.#config.signingSecret, messageId, Math.floor(Date.now() / 1000), payload.body) : {}),
      };
      const started = performance.now();
      const attempt = await deliver(this.#config.endpointUrl, payload, headers, this.#host.settings.timeoutMs, this.#stop.signal);
      if (this.#stopped) return;
      const given = attempt.outcome === 'Succeeded' ? undefined
        : NON_RETRIABLE.has(attempt.statusCode ?? 0) ? 'NonRetriableStatusCode'
        : attempts >= maxDeliveryAttempts ? 'MaxDeliveryAttemptsExceeded'
        : undefined;
      this.#host.report({ eventSubscriptionId: this.#id, kind: 'delivery', attempt, events: events.length, durationMs: performance.now() - started, deadLettered: given });
      if (attempt.outcome === 'Succeeded') {
        const delivered = this.#host.status(this.#id)?.deliveredEventCount ?? 0;
        await this.#host.update(this.#id, { ...outcomeOf(attempt, this.#host.now()), deliveredSequenceNumber: end, deliveredEventCount: delivered + events.length });
        this.#scanned = end;
        return;
      }
      if (given) return deadLetter(given, attempts, attempt);
      if (!(await this.#retryLater(attempt, attempts))) return;
    }
  }

  /**
   * The validation handshake, retried as deliveries are. True once the endpoint passed (the subscription is then
   * `Succeeded`); false when it is `Failed` or the courier stopped.
   */
  async #validate(): Promise<boolean> {
    const { endpointUrl, eventDeliverySchema, topic, retryPolicy } = this.#config;
    const { timeoutMs } = this.#host.settings;
    for (let attempts = 1; ; attempts++) {
      const started = performance.now();
      const attempt =
        eventDeliverySchema === 'EventGridSchema'
          ? await validateEventGridEndpoint(endpointUrl, topic, timeoutMs, this.#stop.signal)
          : await validateCloudEventsEndpoint(endpointUrl, timeoutMs, this.#stop.signal);
      if (this.#stopped) return false;
      this.#host.report({ eventSubscriptionId: this.#id, kind: 'validation', attempt, events: 0, durationMs: performance.now() - started });
      if (attempt.outcome === 'Succeeded') {
        await this.#host.update(this.#id, { ...outcomeOf(attempt, this.#host.now()), provisioningState: 'Succeeded' });
        return true;
      }
      if (attempts >= retryPolicy.maxDeliveryAttempts) {
        await this.#host.update(this.#id, { ...outcomeOf(attempt, this.#host.now()), provisioningState: 'Failed' });
        return false;
      }
      if (!(await this.#retryLater(attempt, attempts))) return false;
    }
  }

  /** Records a failed attempt with when the next one is due, and waits for it. False when stopped meanwhile. */
  async #retryLater(attempt: Attempt, attempts: number): Promise<boolean> {
    const delay = retryDelay(this.#host.settings, attempts, attempt.retryAfterMs);
    const now = this.#host.now();
    await this.#host.update(this.#id, { ...outcomeOf(attempt, now), nextDeliveryAttemptTime: new Date(now + delay).toISOString() });
    await sleep(delay, this.#stop.signal);
    return !this.#stopped;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** The status fields that say how an attempt went. */
function outcomeOf(attempt: Attempt, now: number): Partial<EventSubscriptionStatus> {
  return {
    lastDeliveryOutcome: attempt.outcome,
    lastHttpStatusCode: attempt.statusCode,
    lastDeliveryAttemptTime: new Date(now).toISOString(),
    nextDeliveryAttemptTime: undefined,
    lastError: attempt.outcome === 'Succeeded' ? undefined : attempt.error,
  };
}
