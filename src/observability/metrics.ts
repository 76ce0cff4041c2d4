import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RouterJobStatusSchema } from '../protocol/job.schemas.ts';
import { RouterWorkerStateSchema } from '../protocol/worker.schemas.ts';
import type { Router } from '../router.ts';

/** Offer outcomes by the event that ends (or starts) an offer. */
const OFFER_OUTCOMES = {
  RouterWorkerOfferIssued: 'issued',
  RouterWorkerOfferAccepted: 'accepted',
  RouterWorkerOfferDeclined: 'declined',
  RouterWorkerOfferExpired: 'expired',
  RouterWorkerOfferRevoked: 'revoked',
} as const;

/** What the WebSocket gateway reports at scrape time. */
export interface WsGauges {
  readonly connections: number;
  /** Bytes queued in sockets and not yet sent, over every connection. */
  readonly bufferedBytes: number;
}

/** The server's Prometheus metrics, and what the faces feed into them. */
export interface Metrics {
  readonly registry: Registry;
  /** A REST request answered: its operation (or `none` when it matched none), status and duration. */
  observeRequest(operation: string, status: number, seconds: number): void;
  /** Where WebSocket gauges are read at scrape time. */
  setWsSource(read: () => WsGauges): void;
  /** The text exposition format, for `GET /metrics`. */
  render(): Promise<string>;
  close(): void;
}

/**
 * Metrics of one router, in Prometheus's format (`prom-client`). State gauges (queues, jobs, workers) are read from
 * the router when scraped, so they cost nothing between scrapes; counters follow the event feed and the commit
 * pipeline; Node's own metrics (event-loop lag, heap, GC) come from `collectDefaultMetrics`. `labels` are added to
 * every series (`{ router: name }` on a server hosting several routers).
 */
export function createMetrics(router: Router, labels: Readonly<Record<string, string>> = {}): Metrics {
  const registry = new Registry();
  // On a server hosting several routers each has its own registry, labelled with its name, so scrapes of different
  // routers can be told apart once collected together.
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });

  new Gauge({
    name: 'switchboard_queue_length',
    help: 'Jobs waiting in each queue.',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { queueId, length } of router.queueBacklogs()) this.set({ queue: queueId }, length);
    },
  });
  new Gauge({
    name: 'switchboard_queue_longest_wait_seconds',
    help: 'How long the oldest job in each queue has waited (0 when the queue is empty).',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      this.reset();
      const now = router.now();
      for (const { queueId, oldestEnqueuedAt } of router.queueBacklogs())
        this.set({ queue: queueId }, oldestEnqueuedAt === undefined ? 0 : (now - oldestEnqueuedAt) / 1000);
    },
  });
  new Gauge({
    name: 'switchboard_jobs',
    help: 'Jobs by status.',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const counts = router.countJobsByStatus();
      for (const status of RouterJobStatusSchema.options) this.set({ status }, counts.get(status) ?? 0);
    },
  });
  new Gauge({
    name: 'switchboard_workers',
    help: 'Workers by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = router.countWorkersByState();
      for (const state of RouterWorkerStateSchema.options) this.set({ state }, counts.get(state) ?? 0);
    },
  });
  new Gauge({
    name: 'switchboard_offers_live',
    help: 'Offers issued and not yet ended.',
    registers: [registry],
    collect() {
      this.set(router.liveOffers);
    },
  });

  const offers = new Counter({ name: 'switchboard_offers_total', help: 'Offers by outcome.', labelNames: ['outcome'], registers: [registry] });
  const assignments = new Counter({ name: 'switchboard_assignments_total', help: 'Jobs assigned to a worker.', registers: [registry] });
  for (const outcome of Object.values(OFFER_OUTCOMES)) offers.inc({ outcome }, 0);
  const unsubscribed = router.subscribe({ types: Object.keys(OFFER_OUTCOMES) as Array<keyof typeof OFFER_OUTCOMES> }, (event) => {
    offers.inc({ outcome: OFFER_OUTCOMES[event.type as keyof typeof OFFER_OUTCOMES] });
    if (event.type === 'RouterWorkerOfferAccepted') assignments.inc();
  });

  const requests = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'REST requests by operation and status, from arrival to the answer sent.',
    labelNames: ['operation', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const commits = new Histogram({
    name: 'switchboard_commit_duration_seconds',
    help: 'Writing one batch to the store, fsync included.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  const batchSizes = new Histogram({
    name: 'switchboard_commit_batch_documents',
    help: 'Documents written or deleted per batch (group commit).',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [registry],
  });
  const commitFailures = new Counter({ name: 'switchboard_commit_failures_total', help: 'Batches the store refused.', registers: [registry] });
  const stopCommits = router.onCommit((report) => {
    if (report.failure) return commitFailures.inc();
    commits.observe(report.durationMs / 1000);
    batchSizes.observe(report.documents);
  });

  let readWs: () => WsGauges = () => ({ connections: 0, bufferedBytes: 0 });
  new Gauge({
    name: 'switchboard_ws_connections',
    help: 'Open WebSocket connections.',
    registers: [registry],
    collect() {
      this.set(readWs().connections);
    },
  });
  new Gauge({
    name: 'switchboard_ws_buffered_bytes',
    help: 'Bytes queued for WebSocket clients and not yet sent.',
    registers: [registry],
    collect() {
      this.set(readWs().bufferedBytes);
    },
  });

  const webhookRequests = new Histogram({
    name: 'switchboard_webhook_request_duration_seconds',
    help: 'Requests to webhook endpoints by subscription, kind (validation, delivery) and outcome.',
    labelNames: ['subscription', 'kind', 'outcome'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
    registers: [registry],
  });
  const stopWebhooks = router.onWebhookAttempt(({ eventSubscriptionId, kind, attempt, durationMs }) =>
    webhookRequests.observe({ subscription: eventSubscriptionId, kind, outcome: attempt.outcome }, durationMs / 1000),
  );
  new Gauge({
    name: 'switchboard_webhook_lag_events',
    help: "Events committed past each event subscription's cursor: not yet delivered, dead-lettered or filtered out.",
    labelNames: ['subscription', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { eventSubscriptionId, events, provisioningState } of router.webhookLag())
        this.set({ subscription: eventSubscriptionId, state: provisioningState }, events);
    },
  });

  return {
    registry,
    observeRequest: (operation, status, seconds) => requests.observe({ operation, status: String(status) }, seconds),
    setWsSource: (read) => {
      readWs = read;
    },
    render: () => registry.metrics(),
    close: () => {
      stopCommits();
      stopWebhooks();
      void unsubscribed.then((unsubscribe) => unsubscribe());
      registry.clear();
    },
  };
}
