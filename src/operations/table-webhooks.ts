import { DeadLetterSchema, EventSubscriptionSchema, type EventSubscription } from '../protocol/event-subscription.schemas.ts';
import type { UpsertResult } from './admin.ts';
import type { PageRequest } from './paging.ts';
import type { Preconditions } from './preconditions.ts';
import { deleteOperation, listOperation, resourceOperations } from './table-resource.ts';

const SUBSCRIPTION_PATH = '/routing/eventSubscriptions/{eventSubscriptionId}';

/** Switchboard's webhook extension: event subscriptions and their dead letters (docs/webhooks.md). */
export const webhookOperations = [
  ...resourceOperations({
    singular: 'EventSubscription',
    plural: 'EventSubscriptions',
    collection: 'eventSubscriptions',
    idParam: 'eventSubscriptionId',
    resource: EventSubscriptionSchema,
    version: ({ webhooks }, id) => webhooks.version(id),
    filters: {},
    run: {
      upsert: ({ webhooks }, eventSubscriptionId: string, body: unknown, conditions?: Preconditions): Promise<UpsertResult<EventSubscription>> =>
        webhooks.upsert(eventSubscriptionId, body, conditions),
      get: ({ webhooks }, eventSubscriptionId) => webhooks.get(eventSubscriptionId),
      delete: ({ webhooks }, eventSubscriptionId) => webhooks.delete(eventSubscriptionId),
      list: ({ webhooks }, request: PageRequest = {}) => webhooks.list(request),
    },
    extension: true,
    summaries: {
      upsert: 'Switchboard extension: creates or updates a webhook subscription to the event feed by merge patch.',
      get: 'Switchboard extension: reads an event subscription, with its delivery status and cursor.',
      delete: 'Switchboard extension: deletes an event subscription and its dead letters.',
      list: 'Switchboard extension: lists event subscriptions.',
    },
  }),
  listOperation({
    name: 'listEventSubscriptionDeadLetters',
    path: `${SUBSCRIPTION_PATH}/deadLetters`,
    summary: 'Switchboard extension: the batches an event subscription gave up on, oldest first, with why.',
    extension: true,
    filters: {},
    item: DeadLetterSchema,
    run: ({ webhooks }, eventSubscriptionId, request: PageRequest = {}) => webhooks.listDeadLetters(eventSubscriptionId, request),
  }),
  deleteOperation({
    name: 'deleteEventSubscriptionDeadLetter',
    path: `${SUBSCRIPTION_PATH}/deadLetters/{deadLetterId}`,
    summary: 'Switchboard extension: removes a dead letter once it has been dealt with.',
    extension: true,
    run: ({ webhooks }, eventSubscriptionId, deadLetterId) => webhooks.deleteDeadLetter(eventSubscriptionId, deadLetterId),
  }),
] as const;
