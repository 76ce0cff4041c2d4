import type { RouterEvent } from '../protocol/events.schemas.ts';
import {
  AZURE_EVENT_TYPE_PREFIX,
  type EventSubscription,
  type EventSubscriptionStatus,
  type EventSubscriptionWritable,
} from '../protocol/event-subscription.schemas.ts';

/** A subscription as held and stored: its settings (secret included) and its delivery status, cursor included. */
export interface SubscriptionRecord {
  readonly id: string;
  readonly config: EventSubscriptionWritable;
  readonly status: EventSubscriptionStatus;
}

/** Whether an event passes a subscription's filter: every filter given must pass. */
export function matchesSubscription(event: RouterEvent, filter: EventSubscriptionWritable['filter']): boolean {
  if (filter.includedEventTypes && !filter.includedEventTypes.includes(`${AZURE_EVENT_TYPE_PREFIX}${event.type}`)) return false;
  if (filter.queueIds) {
    const queueId = event.data['queueId'];
    if (typeof queueId !== 'string' || !filter.queueIds.includes(queueId)) return false;
  }
  if (filter.subjectBeginsWith !== undefined && !event.subject.startsWith(filter.subjectBeginsWith)) return false;
  if (filter.subjectEndsWith !== undefined && !event.subject.endsWith(filter.subjectEndsWith)) return false;
  return true;
}

/** The status with `change` applied; a field changed to `undefined` is dropped, so the stored form stays JSON. */
export function changedStatus(status: EventSubscriptionStatus, change: Partial<EventSubscriptionStatus>): EventSubscriptionStatus {
  const next: Record<string, unknown> = { ...status, ...change };
  for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key];
  return next as EventSubscriptionStatus;
}

/** The resource as read back: settings without the secret, whether there is one, and the status. */
export function renderSubscription(record: SubscriptionRecord, etag: string): EventSubscription {
  const { signingSecret, ...config } = record.config;
  return { id: record.id, etag, ...config, hasSigningSecret: signingSecret !== undefined, ...record.status };
}
