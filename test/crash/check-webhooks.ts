/**
 * Webhook delivery across the kill: an event subscription made before the workload delivers to a real receiver that
 * refuses some requests. After the restart, once the subscription's cursor has passed the snapshot, the receiver
 * must hold every event of the history up to it (at least once: repeats allowed), each as the history has it, and
 * the first time each arrived must be in sequence order.
 */
import type { RouterEvent } from '../../src/protocol/events.schemas.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../e2e/support/webhook-receiver.ts';
import type { TrialEvidence } from './evidence.ts';
import type { Finding } from './findings.ts';
import type { Prng } from './prng.ts';
import type { Caller } from './transport.ts';

export const WEBHOOK_SUBSCRIPTION = 'crash-webhook';
/** Of every delivery, this share is refused with 500 and retried. */
const REFUSED_SHARE = 0.1;
const CATCH_UP_MS = 15_000;

/** A receiver that refuses a share of deliveries, drawn from the trial's seed. */
export async function startFlakyReceiver(prng: Prng): Promise<WebhookReceiver> {
  const receiver = await startWebhookReceiver();
  receiver.answerWith(() => ({ status: prng.next() < REFUSED_SHARE ? 500 : 200 }));
  return receiver;
}

/** The subscription, in CloudEvents (which carry the sequence number), batched to make a kill mid-batch likely. */
export async function subscribe(caller: Caller, receiver: WebhookReceiver): Promise<void> {
  const outcome = await caller.call('upsertEventSubscription', {
    eventSubscriptionId: WEBHOOK_SUBSCRIPTION,
    endpointUrl: receiver.url,
    eventDeliverySchema: 'CloudEventSchemaV1_0',
    maxEventsPerBatch: 20,
    endpointValidation: 'none',
  });
  if (outcome.kind !== 'ok') throw new Error(`the webhook subscription was not made: ${JSON.stringify(outcome)}`);
}

/** Waits until the restarted server's cursor has passed `sequence`; false when it did not in time, or has no subscription. */
export async function awaitCursor(caller: Caller, sequence: number): Promise<boolean> {
  const deadline = Date.now() + CATCH_UP_MS;
  while (Date.now() < deadline) {
    const outcome = await caller.call('getEventSubscription', { eventSubscriptionId: WEBHOOK_SUBSCRIPTION });
    if (outcome.kind === 'refused') return false;
    if (outcome.kind === 'ok' && outcome.result.deliveredSequenceNumber >= sequence) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

interface Delivered {
  readonly id: string;
  readonly type: string;
  readonly sequence: string;
}

export function checkWebhooks({ history, snapshot }: TrialEvidence, receiver: WebhookReceiver, caughtUp: boolean): Finding[] {
  const findings: Finding[] = [];
  if (!caughtUp) findings.push({ kind: 'violation', check: 'webhook catches up', message: `the cursor did not pass ${snapshot.cutSequence} within ${CATCH_UP_MS} ms of the snapshot` });
  const firstArrivals = new Map<string, Delivered>();
  let lastSequence = 0;
  for (const request of receiver.deliveries()) {
    if (request.headers['content-type']?.startsWith('application/cloudevents-batch+json') !== true) continue;
    for (const event of request.json as Delivered[]) {
      if (firstArrivals.has(event.id)) continue;
      firstArrivals.set(event.id, event);
      const sequence = Number(event.sequence);
      if (sequence <= lastSequence)
        findings.push({ kind: 'violation', check: 'webhook order', message: `event ${sequence} first arrived after event ${lastSequence}` });
      lastSequence = Math.max(lastSequence, sequence);
    }
  }
  const expected = history.filter((event: RouterEvent) => event.sequenceNumber <= snapshot.cutSequence);
  for (const event of expected) {
    const delivered = firstArrivals.get(event.id);
    if (!delivered) findings.push({ kind: 'lost', check: 'webhook delivery', message: `event ${event.sequenceNumber} (${event.type}) was never delivered` });
    else if (Number(delivered.sequence) !== event.sequenceNumber || delivered.type !== `Microsoft.Communication.${event.type}`)
      findings.push({ kind: 'violation', check: 'webhook delivery', message: `event ${event.id} was delivered as ${delivered.sequence} ${delivered.type}, the history has ${event.sequenceNumber} ${event.type}` });
  }
  return findings;
}
