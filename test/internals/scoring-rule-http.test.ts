/**
 * Best-worker scoring with `function` rules (spec §3.4): a real HTTP scoring server, per-worker and batch payloads,
 * failures ranking last, and the job parked while its scores are on the way.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Router } from '../../src/router.ts';
import { acceptOnlyOffer, createJob, offeredJobs, registerWorker } from '../support/builders.ts';
import { openTestRouter, settle } from '../support/router-fixture.ts';

type Labels = Record<string, string | number | boolean>;

/** A scoring request's JSON body. */
interface ScoringBody {
  readonly job?: Labels;
  readonly selectors?: unknown[];
  readonly worker?: Labels;
  readonly workers?: Labels[];
}

/** Answers one scoring request: a status and a JSON body. Returning a promise delays the answer. */
type Scorer = (body: ScoringBody) => { status: number; value: unknown } | Promise<{ status: number; value: unknown }>;

let server: Server;
let scoreUri: string;
let scorer: Scorer;
const received: ScoringBody[] = [];
let answered = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as ScoringBody;
      received.push(body);
      void Promise.resolve(scorer(body)).then(({ status, value }) => reply(res, status, value));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scoreUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/score`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  answered = 0;
  scorer = bySkill;
});

function reply(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value), () => answered++);
}

/** Scores a worker by its `Skill` label; a batch by each worker's. */
const bySkill: Scorer = (body) =>
  body.workers !== undefined
    ? { status: 200, value: body.workers.map((worker) => worker['Skill']) }
    : { status: 200, value: body.worker?.['Skill'] };

/** Polls `condition` every few milliseconds until it holds, failing after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Waits until `jobId` holds `count` live offers, then for their commit. */
async function offered(router: Router, jobId: string, count = 1): Promise<void> {
  await until(() => router.engine.offers.of(jobId).size >= count, `${count} offer(s) of ${jobId}`);
  await settle();
}

/** Who holds an offer for `jobId`, in the order given. */
async function holders(router: Router, workerIds: readonly string[], jobId: string): Promise<string[]> {
  const result: string[] = [];
  for (const workerId of workerIds) if ((await offeredJobs(router, workerId)).includes(jobId)) result.push(workerId);
  return result;
}

/** A best-worker queue `q` scored by the test server, and workers with the given labels (registered in order). */
async function setupScored(router: Router, mode: Record<string, unknown>, workers: Record<string, Labels>): Promise<void> {
  await router.upsertDistributionPolicy('dp', {
    mode: { kind: 'bestWorker', maxConcurrentOffers: 1, scoringRule: { kind: 'function', functionUri: scoreUri }, ...mode },
  });
  await router.upsertQueue('q', { distributionPolicyId: 'dp' });
  for (const [workerId, labels] of Object.entries(workers)) await registerWorker(router, workerId, { labels });
}

const skills = { low: { Skill: 3 }, high: { Skill: 9 }, mid: { Skill: 5 } };

describe('best-worker scoring over HTTP', () => {
  it('per-worker function scoring offers the job to the highest score, sending {job, selectors, worker}', async () => {
    const { router } = await openTestRouter();
    await setupScored(router, {}, skills);
    await createJob(router, 'j', { labels: { Lang: 'en' }, requestedWorkerSelectors: [{ key: 'Skill', labelOperator: 'greaterThan', value: 1 }] });
    await offered(router, 'j');
    expect(await holders(router, Object.keys(skills), 'j')).toEqual(['high']);
    expect(received).toHaveLength(3);
    expect(received.find((body) => body.worker?.['Id'] === 'high')).toEqual({
      job: { Lang: 'en' },
      selectors: [{ key: 'Skill', operator: 'GreaterThan', value: 1, expiresAfterSeconds: null }],
      worker: { Skill: 9, Id: 'high' },
    });
    await router.close();
  });

  it('descendingOrder false offers to the lowest scores first', async () => {
    const { router } = await openTestRouter();
    await setupScored(router, { maxConcurrentOffers: 2, scoringRuleOptions: { descendingOrder: false } }, skills);
    await createJob(router, 'j');
    await offered(router, 'j', 2);
    expect(await holders(router, Object.keys(skills), 'j')).toEqual(['low', 'mid']);
    await router.close();
  });

  it('batch scoring sends workers in arrays of at most batchSize and ranks by the returned array', async () => {
    const { router } = await openTestRouter();
    const workers = { a: { Skill: 4 }, b: { Skill: 7 }, c: { Skill: 1 }, d: { Skill: 6 }, e: { Skill: 2 } };
    await setupScored(router, { scoringRuleOptions: { isBatchScoringEnabled: true, batchSize: 2 } }, workers);
    await createJob(router, 'j');
    await offered(router, 'j');
    expect(await holders(router, Object.keys(workers), 'j')).toEqual(['b']);
    expect(received.map((body) => body.workers?.length).sort()).toEqual([1, 2, 2]);
    expect(received.every((body) => body.worker === undefined)).toBe(true);
    expect(received.flatMap((body) => body.workers!.map((worker) => worker['Id'])).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    await router.close();
  });

  it("scoringParameters ['jobLabels'] sends the job's labels and no selectors", async () => {
    const { router } = await openTestRouter();
    await setupScored(router, { scoringRuleOptions: { scoringParameters: ['jobLabels'] } }, { only: { Skill: 2 } });
    await createJob(router, 'j', { labels: { Lang: 'fr' }, requestedWorkerSelectors: [{ key: 'Skill', labelOperator: 'greaterThan', value: 1 }] });
    await offered(router, 'j');
    expect(received).toEqual([{ job: { Lang: 'fr' }, worker: { Skill: 2, Id: 'only' } }]);
    await router.close();
  });

  it('a worker whose scoring call answers 500 ranks last', async () => {
    const { router } = await openTestRouter();
    scorer = (body) => (body.worker?.['Id'] === 'broken' ? { status: 500, value: 'boom' } : bySkill(body));
    await setupScored(router, { maxConcurrentOffers: 2 }, { broken: { Skill: 100 }, four: { Skill: 4 }, five: { Skill: 5 } });
    await createJob(router, 'j');
    await offered(router, 'j', 2);
    expect(await holders(router, ['broken', 'four', 'five'], 'j')).toEqual(['four', 'five']);
    await router.close();
  });

  it('a job cancelled while its scoring is pending gets no offer', async () => {
    const { router } = await openTestRouter();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    scorer = async (body) => {
      await gate;
      return bySkill(body);
    };
    await setupScored(router, {}, skills);
    await createJob(router, 'j');
    await until(() => received.length === 3, 'the scoring requests');
    // Parked while pending: a worker that comes along meanwhile is not offered the job directly.
    await registerWorker(router, 'late', { labels: { Skill: 1 } });
    expect(await holders(router, [...Object.keys(skills), 'late'], 'j')).toEqual([]);
    await router.cancelJob('j');
    release();
    await until(() => answered === 3, 'the scoring answers');
    for (let i = 0; i < 5; i++) await settle();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(router.engine.offers.of('j').size).toBe(0);
    expect(await holders(router, [...Object.keys(skills), 'late'], 'j')).toEqual([]);
    expect((await router.getJob('j')).status).toBe('cancelled');
    await router.close();
  });

  it('a worker freed while a job waits is scored and gets the offer', async () => {
    const { router } = await openTestRouter();
    // `high` is busy with a job of another queue, so the scored job waits with nobody to score.
    await router.upsertDistributionPolicy('dp0', { mode: { kind: 'longestIdle' } });
    await router.upsertQueue('q0', { distributionPolicyId: 'dp0' });
    await setupScored(router, {}, {});
    await registerWorker(router, 'high', { queues: ['q', 'q0'], labels: { Skill: 9 } });
    await createJob(router, 'j0', { queueId: 'q0' });
    const { assignmentId } = await acceptOnlyOffer(router, 'high');
    await createJob(router, 'j');
    await settle();
    expect(received).toHaveLength(0);
    expect(router.engine.offers.of('j').size).toBe(0);
    await router.completeJob('j0', assignmentId);
    await router.closeJob('j0', assignmentId);
    await offered(router, 'j');
    expect(await holders(router, ['high'], 'j')).toEqual(['high']);
    expect(received.map((body) => body.worker?.['Id'])).toEqual(['high']);
    await router.close();
  });

  it('a worker freed while a job holds a lower-scored offer is scored and gets the second offer', async () => {
    const { router } = await openTestRouter();
    await router.upsertDistributionPolicy('dp0', { mode: { kind: 'longestIdle' } });
    await router.upsertQueue('q0', { distributionPolicyId: 'dp0' });
    await setupScored(router, { maxConcurrentOffers: 2 }, {});
    await registerWorker(router, 'high', { queues: ['q', 'q0'], labels: { Skill: 9 } });
    await createJob(router, 'j0', { queueId: 'q0' });
    const { assignmentId } = await acceptOnlyOffer(router, 'high');
    await registerWorker(router, 'low', { labels: { Skill: 3 } });
    await createJob(router, 'j');
    await offered(router, 'j');
    expect(await holders(router, ['low', 'high'], 'j')).toEqual(['low']);
    await router.completeJob('j0', assignmentId);
    await router.closeJob('j0', assignmentId);
    await offered(router, 'j', 2);
    expect(await holders(router, ['low', 'high'], 'j')).toEqual(['low', 'high']);
    expect(received.map((body) => body.worker?.['Id'])).toEqual(['low', 'high']);
    await router.close();
  });

  it('accepts function and webhook scoring rules and still refuses directMap', async () => {
    const { router } = await openTestRouter();
    for (const scoringRule of [
      { kind: 'function', functionUri: 'https://example.com/api/score' },
      { kind: 'webhook', webhookUri: 'https://example.com/score' },
    ])
      await router.upsertDistributionPolicy('dp', { mode: { kind: 'bestWorker', scoringRule } });
    await expect(router.upsertDistributionPolicy('dp', { mode: { kind: 'bestWorker', scoringRule: { kind: 'directMap' } } })).rejects.toMatchObject({
      target: 'mode.scoringRule.kind',
    });
    await router.close();
  });
});
