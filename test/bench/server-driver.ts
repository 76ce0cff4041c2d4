/**
 * The client side of `npm run bench:server`, run as its own process so the server's CPU is not shared with the
 * load it is measured under. Usage: `node --import tsx test/bench/server-driver.ts <http-url> [phase,…]` with phases
 * `ws`, `latency` and `rest` (default all three). Prints progress on stderr and, as its last stdout line, one JSON
 * object of {@link DriverFigures} (the figures of phases not run are absent).
 */
import { performance } from 'node:perf_hooks';
import { SwitchboardClient, type OfferEvent } from '../../src/client/index.ts';
import { wsUrlOf } from '../e2e/support/ws-server.ts';
import { createQueue, createWorker } from '../e2e/support/ws-fixtures.ts';
import { LifecyclePump, WS_LOAD } from './drive.ts';

/** The driver's phases: WebSocket lifecycles, offer push latency, REST lifecycles. */
export type DriverPhase = 'ws' | 'latency' | 'rest';
export const DRIVER_PHASES: readonly DriverPhase[] = ['ws', 'latency', 'rest'];

/** What the driver measured, for the phases it ran. */
export interface DriverFigures {
  readonly wsLifecycles?: number;
  readonly wsSeconds?: number;
  readonly offerPushSamples?: number;
  readonly p50OfferPushMs?: number;
  readonly p99OfferPushMs?: number;
  readonly restLifecycles?: number;
  readonly restSeconds?: number;
}

/** Bounds: each phase stops at its count or its time, whichever comes first. */
const WS = WS_LOAD;
const LATENCY = { samples: 1_000, seconds: 10 };
const REST = { loops: 32, lifecycles: 10_000, seconds: 10 };
const API = '?api-version=2023-11-01';

const log = (line: string) => process.stderr.write(`${line}\n`);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN;
}

/**
 * Full lifecycles over WebSocket: one client creates jobs, keeping `inFlight` open; each of several attached
 * workers takes the offers pushed to it and accepts, completes and closes on its own connection.
 */
async function wsLifecycles(wsUrl: string, admin: SwitchboardClient, limit: number, seconds: number): Promise<{ count: number; seconds: number }> {
  const prefix = `ws${Date.now().toString(36)}`;
  const pump = new LifecyclePump({
    limit,
    seconds,
    create: (n) => admin.call('upsertJob', { jobId: `${prefix}-${n}`, queueId: 'bench', channelId: 'voice' }),
  });
  const workers = await Promise.all(
    Array.from({ length: WS.workers }, async (_, w) => {
      const workerId = `bench-w${w}`;
      const client = await SwitchboardClient.connect(wsUrl);
      const take = async (offer: OfferEvent): Promise<void> => {
        if (offer.type !== 'RouterWorkerOfferIssued') return;
        const offerId = String(offer.data['offerId']);
        const { jobId, assignmentId } = await client.call('acceptJobOffer', { workerId, offerId });
        await client.call('completeJob', { jobId, assignmentId });
        await client.call('closeJob', { jobId, assignmentId });
        pump.closed();
      };
      await client.attachWorker(workerId, (offer) => void take(offer).catch(pump.fail));
      return client;
    }),
  );
  pump.start(WS.inFlight);
  const run = await pump.finished;
  await Promise.all(workers.map((client) => client.close()));
  return run;
}

/**
 * Offer push latency: one client creates a job for an idle eligible worker attached on another connection; the
 * time from just before sending the request to the offer's arrival. The worker then accepts, completes and closes,
 * so it is idle again for the next sample.
 */
async function offerPushLatency(wsUrl: string, admin: SwitchboardClient): Promise<number[]> {
  await createQueue(admin, 'latency');
  await createWorker(admin, 'latency-w', 'latency');
  const worker = await SwitchboardClient.connect(wsUrl);
  let arrived: ((offer: OfferEvent) => void) | undefined;
  await worker.attachWorker('latency-w', (offer) => {
    if (offer.type === 'RouterWorkerOfferIssued') arrived?.(offer);
  });
  const samples: number[] = [];
  const deadline = performance.now() + LATENCY.seconds * 1000;
  while (samples.length < LATENCY.samples && performance.now() < deadline) {
    const offer = new Promise<OfferEvent>((resolve) => (arrived = resolve));
    const sent = performance.now();
    void admin.call('upsertJob', { jobId: `lat-${samples.length}`, queueId: 'latency', channelId: 'voice' });
    const { data } = await offer;
    samples.push(performance.now() - sent);
    const { jobId, assignmentId } = await worker.call('acceptJobOffer', { workerId: 'latency-w', offerId: String(data['offerId']) });
    await worker.call('completeJob', { jobId, assignmentId });
    await worker.call('closeJob', { jobId, assignmentId });
  }
  await worker.close();
  return samples;
}

/**
 * The same lifecycle over REST with `fetch`: concurrent loops, each with a worker of its own, create a job for it,
 * poll the worker until the offer shows, then accept, complete and close.
 */
async function restLifecycles(httpUrl: string, admin: SwitchboardClient): Promise<{ count: number; seconds: number }> {
  await createQueue(admin, 'rest');
  for (let loop = 0; loop < REST.loops; loop++) await createWorker(admin, `rest-w${loop}`, 'rest');
  const send = async (method: string, path: string, body?: object): Promise<Record<string, unknown>> => {
    const response = await fetch(`${httpUrl}/routing/${path}${API}`, {
      method,
      headers: { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  let started = 0;
  let count = 0;
  const begin = performance.now();
  const deadline = begin + REST.seconds * 1000;
  await Promise.all(
    Array.from({ length: REST.loops }, async (_, loop) => {
      const workerId = `rest-w${loop}`;
      while (started < REST.lifecycles && performance.now() < deadline) {
        const jobId = `rest-${++started}`;
        await send('PATCH', `jobs/${jobId}`, {
          queueId: 'rest',
          channelId: 'voice',
          requestedWorkerSelectors: [{ key: 'Id', labelOperator: 'equal', value: workerId }],
        });
        let offers: Array<{ offerId: string }> = [];
        while (offers.length === 0) offers = (await send('GET', `workers/${workerId}`))['offers'] as typeof offers;
        const { assignmentId } = await send('POST', `workers/${workerId}/offers/${offers[0]!.offerId}:accept`);
        await send('POST', `jobs/${jobId}/assignments/${String(assignmentId)}:complete`, {});
        await send('POST', `jobs/${jobId}/assignments/${String(assignmentId)}:close`, {});
        count++;
      }
    }),
  );
  return { count, seconds: (performance.now() - begin) / 1000 };
}

async function main(httpUrl: string, phases: readonly DriverPhase[]): Promise<DriverFigures> {
  const wsUrl = wsUrlOf(httpUrl);
  const admin = await SwitchboardClient.connect(wsUrl);
  let figures: DriverFigures = {};
  if (phases.includes('ws')) {
    await createQueue(admin, 'bench');
    for (let w = 0; w < WS.workers; w++) await createWorker(admin, `bench-w${w}`, 'bench', WS.capacity);
    log(`warming up: ${WS.warmup} WebSocket lifecycles`);
    await wsLifecycles(wsUrl, admin, WS.warmup, WS.seconds);
    log(`WebSocket lifecycles: up to ${WS.lifecycles} or ${WS.seconds} s, ${WS.inFlight} in flight, ${WS.workers} workers`);
    const ws = await wsLifecycles(wsUrl, admin, WS.lifecycles, WS.seconds);
    figures = { ...figures, wsLifecycles: ws.count, wsSeconds: ws.seconds };
  }
  if (phases.includes('latency')) {
    log(`offer push latency: up to ${LATENCY.samples} samples or ${LATENCY.seconds} s`);
    const latency = (await offerPushLatency(wsUrl, admin)).sort((a, b) => a - b);
    figures = {
      ...figures,
      offerPushSamples: latency.length,
      p50OfferPushMs: percentile(latency, 0.5),
      p99OfferPushMs: percentile(latency, 0.99),
    };
  }
  if (phases.includes('rest')) {
    log(`REST lifecycles: up to ${REST.lifecycles} or ${REST.seconds} s, ${REST.loops} concurrent`);
    const rest = await restLifecycles(httpUrl, admin);
    figures = { ...figures, restLifecycles: rest.count, restSeconds: rest.seconds };
  }
  await admin.close();
  return figures;
}

const [httpUrl, phaseList] = process.argv.slice(2);
const phases = (phaseList?.split(',') ?? DRIVER_PHASES) as DriverPhase[];
if (httpUrl === undefined || phases.some((phase) => !DRIVER_PHASES.includes(phase))) {
  log(`usage: server-driver.ts <http-url> [${DRIVER_PHASES.join(',')}]`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(await main(httpUrl, phases))}\n`);
