import { RouterError } from '../errors.ts';
import type { RouterEvent, RouterEventType } from '../protocol/events.schemas.ts';
import type { Store } from '../store/store.ts';

/** Which events a subscriber wants; every present field must match. */
export interface EventFilter {
  readonly types?: readonly RouterEventType[] | undefined;
  readonly jobId?: string | undefined;
  readonly workerId?: string | undefined;
  readonly queueId?: string | undefined;
}

export type EventListener = (event: RouterEvent) => void;

/** Stops a subscription. */
export type Unsubscribe = () => void;

export function matchesFilter(event: RouterEvent, filter: EventFilter): boolean {
  if (filter.types && !filter.types.includes(event.type)) return false;
  const data = event.data;
  if (filter.jobId !== undefined && data['jobId'] !== filter.jobId) return false;
  if (filter.workerId !== undefined && data['workerId'] !== filter.workerId) return false;
  if (filter.queueId !== undefined && data['queueId'] !== filter.queueId) return false;
  return true;
}

/**
 * Numbers events in commit order and delivers them. Numbers are given when a batch is committed, so listeners see
 * events only after what caused them is durable, and always in sequence without gaps.
 */
export class EventLog {
  readonly #store: Store;
  readonly #listeners = new Set<{ filter: EventFilter; listener: EventListener }>();
  #lastSequenceNumber: number;
  /** The newest event handed to subscribers; later numbered ones are still being committed. */
  #lastPublished: number;

  constructor(store: Store, lastSequenceNumber: number) {
    this.#store = store;
    this.#lastSequenceNumber = lastSequenceNumber;
    this.#lastPublished = lastSequenceNumber;
  }

  get lastSequenceNumber(): number {
    return this.#lastSequenceNumber;
  }

  /** The newest event handed to subscribers: its batch is committed. */
  get lastPublished(): number {
    return this.#lastPublished;
  }

  /** Gives each event its sequence number; called while building the batch that commits them. */
  number(events: Array<Omit<RouterEvent, 'sequenceNumber'>>): RouterEvent[] {
    // The pending events belong to the engine alone until now, so they are numbered in place.
    for (const event of events) (event as RouterEvent).sequenceNumber = ++this.#lastSequenceNumber;
    return events as RouterEvent[];
  }

  /** Hands committed events to live subscribers. */
  publish(events: readonly RouterEvent[]): void {
    this.#lastPublished = events.at(-1)?.sequenceNumber ?? this.#lastPublished;
    if (this.#listeners.size === 0) return;
    for (const event of events)
      for (const { filter, listener } of this.#listeners) if (matchesFilter(event, filter)) listener(event);
  }

  /**
   * Refuses a replay that cannot be served: from before the retained history (`EventsNoLongerAvailable`), or from
   * beyond the next number to be given (`SequenceBeyondHead`): those numbers were never given here, and silently
   * delivering lower ones would look to the client like events it has not seen.
   */
  checkFrom(fromSequence: number): void {
    const oldest = this.#store.oldestRetainedSequence();
    if (fromSequence < oldest)
      throw new RouterError('EventsNoLongerAvailable', `events before ${oldest} are no longer retained`, 'fromSequence');
    const next = this.#lastSequenceNumber + 1;
    if (fromSequence > next)
      throw new RouterError('SequenceBeyondHead', `fromSequence ${fromSequence} is beyond the next sequence number, ${next}`, 'fromSequence');
  }

  /**
   * Live events from now on; with `fromSequence`, first every retained event from that number, then live ones, with
   * nothing missed or repeated in between. Throws as {@link checkFrom} does.
   */
  async subscribe(filter: EventFilter, listener: EventListener, fromSequence?: number): Promise<Unsubscribe> {
    const entry = { filter, listener };
    if (fromSequence !== undefined) this.checkFrom(fromSequence);
    // Replay reaches only what was published: a batch the store already holds but whose commit has not yet been
    // acknowledged is published to the live listener afterwards, so it must not be replayed as well.
    if (fromSequence === undefined || fromSequence > this.#lastPublished) {
      // A batch still being committed may hold numbers below `fromSequence`: the subscriber asked not to see them.
      const live =
        fromSequence === undefined
          ? entry
          : {
              filter,
              listener: (event: RouterEvent) => {
                if (event.sequenceNumber >= fromSequence) listener(event);
              },
            };
      this.#listeners.add(live);
      return () => this.#listeners.delete(live);
    }
    // Buffer live events while the replay reads, then hand over at the seam without duplicates.
    const pending: RouterEvent[] = [];
    const buffering = { filter, listener: (event: RouterEvent) => pending.push(event) };
    this.#listeners.add(buffering);
    let next = fromSequence;
    const until = this.#lastPublished;
    while (next <= until) {
      const page = await this.#store.readEvents(next, 1000);
      if (page.length === 0) break;
      for (const event of page) {
        if (event.sequenceNumber > until) break;
        if (matchesFilter(event, filter)) listener(event);
        next = event.sequenceNumber + 1;
      }
    }
    this.#listeners.delete(buffering);
    for (const event of pending) if (event.sequenceNumber >= next) listener(event);
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }
}
