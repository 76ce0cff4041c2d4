import { randomUUID } from 'node:crypto';
import type { RouterEvent } from '../protocol/events.schemas.ts';
import { AZURE_EVENT_TYPE_PREFIX, type EventSubscriptionWritable } from '../protocol/event-subscription.schemas.ts';

/**
 * What a delivery sends: router events rendered in the schema the subscription asked for, exactly as Azure's Job
 * Router published them through Event Grid (`Microsoft.Communication.RouterJobReceived`, … with the same data), or
 * as CloudEvents 1.0.
 */

/** An HTTP request body and its content type. */
export interface Payload {
  readonly contentType: string;
  readonly body: string;
}

/** One event in Event Grid's schema (learn.microsoft.com/azure/event-grid/event-schema). */
export function eventGridEvent(event: RouterEvent, topic: string): Record<string, unknown> {
  return {
    id: event.id,
    topic,
    subject: event.subject,
    data: event.data,
    eventType: `${AZURE_EVENT_TYPE_PREFIX}${event.type}`,
    dataVersion: '1.0',
    metadataVersion: '1',
    eventTime: event.time,
  };
}

/**
 * One event in CloudEvents 1.0's JSON format. `sequence` (the CloudEvents sequence extension) carries the router's
 * sequence number, which Event Grid's schema has no place for.
 */
export function cloudEvent(event: RouterEvent, source: string): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: event.id,
    source,
    type: `${AZURE_EVENT_TYPE_PREFIX}${event.type}`,
    subject: event.subject,
    time: event.time,
    datacontenttype: 'application/json',
    sequence: String(event.sequenceNumber),
    data: event.data,
  };
}

/**
 * The body of one delivery. Event Grid's schema is always an array. CloudEvents use the structured mode for a single
 * event and the batched mode for a subscription that allows more than one per request.
 */
export function deliveryPayload(events: readonly RouterEvent[], subscription: EventSubscriptionWritable): Payload {
  if (subscription.eventDeliverySchema === 'EventGridSchema')
    return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(events.map((event) => eventGridEvent(event, subscription.topic))) };
  if (subscription.maxEventsPerBatch === 1 && events.length === 1)
    return { contentType: 'application/cloudevents+json; charset=utf-8', body: JSON.stringify(cloudEvent(events[0]!, subscription.topic)) };
  return {
    contentType: 'application/cloudevents-batch+json; charset=utf-8',
    body: JSON.stringify(events.map((event) => cloudEvent(event, subscription.topic))),
  };
}

/** Event Grid's subscription validation event, and the code the endpoint must echo as `validationResponse`. */
export function validationEvent(topic: string, now: number): { readonly code: string; readonly payload: Payload } {
  const code = randomUUID();
  const event = {
    id: randomUUID(),
    topic,
    subject: '',
    data: { validationCode: code },
    eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
    eventTime: new Date(now).toISOString(),
    metadataVersion: '1',
    dataVersion: '1',
  };
  return { code, payload: { contentType: 'application/json; charset=utf-8', body: JSON.stringify([event]) } };
}

/**
 * The `WebHook-Request-Origin` of the CloudEvents validation handshake (CloudEvents' HTTP webhook spec, §4). It is
 * Event Grid's own, so that handlers written for Event Grid, which check it, accept Switchboard unchanged.
 */
export const WEBHOOK_REQUEST_ORIGIN = 'eventgrid.azure.net';
