import type { Engine, StoredResource } from '../engine/engine.ts';
import { encodeResource } from '../engine/document-codec.ts';
import { OrderedIdMap } from '../engine/ordered-ids.ts';
import { RouterError, invalidRequestFrom } from '../errors.ts';
import { paginate, everything, type Page, type PageRequest } from '../operations/paging.ts';
import { checkPreconditions, type Preconditions } from '../operations/preconditions.ts';
import {
  DeadLetterSchema,
  EventSubscriptionWritableSchema,
  eventSubscriptionFields,
  type DeadLetter,
  type EventSubscription,
  type EventSubscriptionStatus,
  type EventSubscriptionWritable,
} from '../protocol/event-subscription.schemas.ts';
import { applyMergePatch, findUnsafeKey, isPlainObject, pickWritable } from '../protocol/merge-patch.ts';
import { StoreError } from '../store/store-error.ts';
import { Courier, type AttemptReport, type CourierHost, type DeadLetterDraft, type DeliverySettings } from './courier.ts';
import { changedStatus, renderSubscription, type SubscriptionRecord } from './subscription-record.ts';

/** Delivery settings of a router's webhooks; every field has a default. */
export interface WebhookOptions {
  readonly retryInitialMs?: number | undefined;
  readonly retryMaxMs?: number | undefined;
  readonly timeoutMs?: number | undefined;
  /** Dead letters kept per subscription; the oldest go first. */
  readonly deadLetterLimit?: number | undefined;
  readonly random?: (() => number) | undefined;
}

/** Event Grid's first retry comes after 10 seconds. */
export const DEFAULT_WEBHOOK_OPTIONS = {
  retryInitialMs: 10_000,
  retryMaxMs: 600_000,
  timeoutMs: 30_000,
  deadLetterLimit: 1000,
} as const;

const WRITABLE_KEYS: ReadonlySet<string> = new Set(Object.keys(eventSubscriptionFields));

/** Dead letters of one subscription, keyed so that id order is sequence order. */
type DeadLetters = OrderedIdMap<StoredResource<DeadLetter>>;

/** The store id of a dead letter: its subscription, then its first sequence number, padded to sort. */
function deadLetterKey(eventSubscriptionId: string, firstSequenceNumber: number): string {
  return `${eventSubscriptionId}/${String(firstSequenceNumber).padStart(16, '0')}`;
}

function notFound(id: string): RouterError {
  return new RouterError('NotFound', `event subscription ${id} does not exist`, 'eventSubscriptionId');
}

/**
 * A router's event subscriptions: their settings and delivery status, their dead letters, and one courier per
 * subscription delivering its events. Both kinds of document are committed with the router's own changes, so a
 * subscription's cursor survives restarts exactly as the events do.
 */
export class Webhooks {
  readonly #engine: Engine;
  readonly #settings: DeliverySettings;
  readonly #deadLetterLimit: number;
  readonly #subscriptions = new OrderedIdMap<StoredResource<SubscriptionRecord>>();
  readonly #deadLetters = new Map<string, DeadLetters>();
  readonly #couriers = new Map<string, Courier>();
  readonly #listeners = new Set<(report: AttemptReport) => void>();
  readonly #host: CourierHost;
  #started = false;
  #notifyScheduled = false;
  #unsubscribe: Promise<() => void> | undefined;

  constructor(engine: Engine, options: WebhookOptions = {}) {
    this.#engine = engine;
    this.#settings = {
      retryInitialMs: options.retryInitialMs ?? DEFAULT_WEBHOOK_OPTIONS.retryInitialMs,
      retryMaxMs: options.retryMaxMs ?? DEFAULT_WEBHOOK_OPTIONS.retryMaxMs,
      timeoutMs: options.timeoutMs ?? DEFAULT_WEBHOOK_OPTIONS.timeoutMs,
      random: options.random ?? Math.random,
    };
    this.#deadLetterLimit = options.deadLetterLimit ?? DEFAULT_WEBHOOK_OPTIONS.deadLetterLimit;
    this.#host = this.#courierHost();
    engine.provideDocuments('eventSubscription', (id) => {
      const stored = this.#subscriptions.get(id);
      return stored && encodeResource(stored);
    });
    engine.provideDocuments('deadLetter', (key) => {
      const stored = this.#deadLetters.get(key.slice(0, key.lastIndexOf('/')))?.get(key);
      return stored && encodeResource(stored);
    });
  }

  /** Takes back a stored subscription at start-up, before {@link start}. */
  restoreSubscription(id: string, stored: StoredResource<unknown>): void {
    const record = stored.resource as Partial<SubscriptionRecord>;
    const config = EventSubscriptionWritableSchema.safeParse(record.config);
    if (!config.success || typeof record.status?.deliveredSequenceNumber !== 'number')
      throw new StoreError('StoreCorrupt', `stored eventSubscription ${JSON.stringify(id)}: not an event subscription`);
    this.#subscriptions.set(id, { ...stored, resource: { id, config: config.data, status: record.status } });
  }

  /** Takes back a stored dead letter at start-up. */
  restoreDeadLetter(key: string, stored: StoredResource<unknown>): void {
    const letter = DeadLetterSchema.safeParse(stored.resource);
    if (!letter.success) throw new StoreError('StoreCorrupt', `stored deadLetter ${JSON.stringify(key)}: not a dead letter`);
    this.#lettersOf(letter.data.eventSubscriptionId).set(key, { ...stored, resource: letter.data });
  }

  /** Starts delivering: one courier per subscription, woken by every published event. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#unsubscribe = this.#engine.log.subscribe({}, () => this.#notifySoon());
    for (const id of this.#subscriptions.keys()) this.#startCourier(id);
  }

  /** Stops every courier; requests under way are aborted and their batches delivered after the next start. */
  async stop(): Promise<void> {
    this.#started = false;
    void this.#unsubscribe?.then((unsubscribe) => unsubscribe());
    this.#unsubscribe = undefined;
    const couriers = [...this.#couriers.values()];
    this.#couriers.clear();
    await Promise.all(couriers.map((courier) => courier.stop()));
  }

  /** Every request made to an endpoint, for metrics and logs. */
  onAttempt(listener: (report: AttemptReport) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** What each subscription has left to deliver, for metrics: events published past its cursor. */
  lag(): Array<{ eventSubscriptionId: string; events: number; provisioningState: EventSubscriptionStatus['provisioningState'] }> {
    const head = this.#engine.log.lastPublished;
    return [...this.#subscriptions.values()].map(({ resource }) => ({
      eventSubscriptionId: resource.id,
      events: Math.max(0, head - resource.status.deliveredSequenceNumber),
      provisioningState: resource.status.provisioningState,
    }));
  }

  // ---------------------------------------------------------------- operations

  /**
   * Creates or updates a subscription by merge patch. A new endpoint (or schema, or validation setting) is validated
   * again before anything is sent to it; a new subscription delivers the events committed after it.
   */
  async upsert(id: string, body: unknown, conditions?: Preconditions): Promise<{ resource: EventSubscription; created: boolean }> {
    const before = this.#subscriptions.get(id);
    checkPreconditions(before, conditions);
    const config = patchedConfig(before?.resource.config, body);
    const engine = this.#engine;
    const stored = await engine.command(() => {
      const current = this.#subscriptions.get(id);
      const revalidate =
        !current ||
        current.resource.status.provisioningState === 'Failed' ||
        (['endpointUrl', 'eventDeliverySchema', 'endpointValidation'] as const).some((key) => current.resource.config[key] !== config[key]);
      const provisioningState = !revalidate ? current.resource.status.provisioningState : config.endpointValidation === 'none' ? 'Succeeded' : 'Creating';
      const status: EventSubscriptionStatus = current
        ? changedStatus(current.resource.status, { provisioningState, nextDeliveryAttemptTime: undefined })
        : { provisioningState, deliveredSequenceNumber: engine.log.lastSequenceNumber, deliveredEventCount: 0, deadLetteredEventCount: 0 };
      const next = { resource: { id, config, status }, ...engine.catalogue.nextVersion() };
      this.#subscriptions.set(id, next);
      engine.touch('eventSubscription', id);
      return { ...next, created: !current };
    });
    await this.#startCourier(id);
    return { resource: renderSubscription(stored.resource, stored.etag), created: stored.created };
  }

  get(id: string): EventSubscription {
    const stored = this.#subscriptions.get(id);
    if (!stored) throw notFound(id);
    return renderSubscription(stored.resource, stored.etag);
  }

  /** The stored version, for etags. */
  version(id: string): StoredResource<SubscriptionRecord> | undefined {
    return this.#subscriptions.get(id);
  }

  list(request: PageRequest): Page<EventSubscription> {
    return paginate(this.#subscriptions, request, everything, (stored) => renderSubscription(stored.resource, stored.etag));
  }

  /** Deletes a subscription and its dead letters; a delivery under way is aborted. */
  async delete(id: string): Promise<void> {
    if (!this.#subscriptions.has(id)) throw notFound(id);
    await this.#stopCourier(id);
    const engine = this.#engine;
    await engine.command(() => {
      this.#subscriptions.delete(id);
      engine.forget('eventSubscription', id);
      for (const key of this.#deadLetters.get(id)?.keys() ?? []) engine.forget('deadLetter', key);
      this.#deadLetters.delete(id);
    });
  }

  /** The subscription's dead letters, oldest first. */
  listDeadLetters(id: string, request: PageRequest): Page<DeadLetter> {
    if (!this.#subscriptions.has(id)) throw notFound(id);
    return paginate(this.#lettersOf(id), request, everything, (stored) => stored.resource);
  }

  /** Removes one dead letter, once it has been dealt with. */
  async deleteDeadLetter(id: string, deadLetterId: string): Promise<void> {
    if (!this.#subscriptions.has(id)) throw notFound(id);
    const letters = this.#deadLetters.get(id);
    const key = /^\d{1,16}$/.test(deadLetterId) ? deadLetterKey(id, Number(deadLetterId)) : undefined;
    if (key === undefined || !letters?.has(key))
      throw new RouterError('NotFound', `event subscription ${id} has no dead letter ${deadLetterId}`, 'deadLetterId');
    await this.#engine.command(() => {
      letters.delete(key);
      this.#engine.forget('deadLetter', key);
    });
  }

  // ---------------------------------------------------------------- couriers

  #lettersOf(id: string): DeadLetters {
    let letters = this.#deadLetters.get(id);
    if (!letters) this.#deadLetters.set(id, (letters = new OrderedIdMap()));
    return letters;
  }

  async #startCourier(id: string): Promise<void> {
    await this.#stopCourier(id);
    const stored = this.#subscriptions.get(id);
    if (!this.#started || !stored) return;
    this.#couriers.set(id, new Courier(this.#host, id, stored.resource.config, stored.resource.status.deliveredSequenceNumber));
  }

  async #stopCourier(id: string): Promise<void> {
    const courier = this.#couriers.get(id);
    this.#couriers.delete(id);
    await courier?.stop();
  }

  /** Wakes the couriers once per burst of published events, not once per event. */
  #notifySoon(): void {
    if (this.#notifyScheduled) return;
    this.#notifyScheduled = true;
    queueMicrotask(() => {
      this.#notifyScheduled = false;
      for (const courier of this.#couriers.values()) courier.notify();
    });
  }

  /** What the couriers see of this router. */
  #courierHost(): CourierHost {
    return {
    settings: this.#settings,
    now: () => this.#engine.now(),
    status: (id) => this.#subscriptions.get(id)?.resource.status,
    lastPublished: () => this.#engine.log.lastPublished,
    readEvents: (from, limit) => this.#engine.store.readEvents(from, limit),
    update: (id, change) => this.#engine.command(() => this.#changeStatus(id, change)),
    deadLetter: (id, draft) => this.#engine.command(() => this.#addDeadLetter(id, draft)),
    report: (report) => {
      for (const listener of this.#listeners) listener(report);
    },
    };
  }

  /** Replaces the subscription's status; its etag stays, since its settings did not change. */
  #changeStatus(id: string, change: Partial<EventSubscriptionStatus>): void {
    const stored = this.#subscriptions.get(id);
    if (!stored) return;
    const status = changedStatus(stored.resource.status, change);
    this.#subscriptions.set(id, { ...stored, resource: { ...stored.resource, status } });
    this.#engine.touch('eventSubscription', id);
  }

  #addDeadLetter(id: string, draft: DeadLetterDraft): void {
    const stored = this.#subscriptions.get(id);
    if (!stored) return;
    const { reason, attempts, last, firstSequenceNumber, lastSequenceNumber, events } = draft;
    const key = deadLetterKey(id, firstSequenceNumber);
    const letter: DeadLetter = {
      id: String(firstSequenceNumber),
      eventSubscriptionId: id,
      deadLetterReason: reason,
      deliveryAttempts: attempts,
      deadLetteredTime: new Date(this.#engine.now()).toISOString(),
      firstSequenceNumber,
      lastSequenceNumber,
      events: [...events],
      ...(last?.outcome !== undefined && { lastDeliveryOutcome: last.outcome }),
      ...(last?.statusCode !== undefined && { lastHttpStatusCode: last.statusCode }),
      ...(last?.error !== undefined && { lastError: last.error }),
    };
    const letters = this.#lettersOf(id);
    letters.set(key, { resource: letter, ...this.#engine.catalogue.nextVersion() });
    this.#engine.touch('deadLetter', key);
    const excess: string[] = [];
    for (const [oldest] of letters.entriesAfter()) {
      if (letters.size - excess.length <= this.#deadLetterLimit) break;
      excess.push(oldest);
    }
    for (const oldest of excess) {
      letters.delete(oldest);
      this.#engine.forget('deadLetter', oldest);
    }
    this.#changeStatus(id, {
      nextDeliveryAttemptTime: undefined,
      deliveredSequenceNumber: lastSequenceNumber,
      deadLetteredEventCount: stored.resource.status.deadLetteredEventCount + events.length,
    });
  }
}

/** Applies a merge patch to a subscription's settings and validates the result; the current settings are untouched. */
function patchedConfig(current: EventSubscriptionWritable | undefined, body: unknown): EventSubscriptionWritable {
  if (!isPlainObject(body)) throw new RouterError('InvalidRequest', 'the body must be a JSON object', 'body');
  const unsafe = findUnsafeKey(body);
  if (unsafe !== undefined) throw new RouterError('InvalidRequest', `${unsafe}: "${unsafe.split('.').at(-1)}" is not allowed as a key`, unsafe);
  const parsed = EventSubscriptionWritableSchema.safeParse(applyMergePatch(current ?? {}, pickWritable(body, WRITABLE_KEYS)));
  if (!parsed.success) throw invalidRequestFrom(parsed.error);
  return parsed.data;
}
