/**
 * The worked example of docs/testing-your-client.md: a client's tests generated from `switchboard paths --json`, run
 * against a real server process. For every path of the offer, job and worker machines, a run of its own (its own ids, queue
 * and workers, so all runs go at once) performs the setup and each step over the typed WebSocket client, reads the
 * ids the steps need (`$offerId`, `$assignmentId`) over REST, follows the actor on the transitions stream, and
 * checks that each step leaves the actor in the state the path says, ending in the path's target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SwitchboardClient, type Transition } from '../../src/client/index.ts';
import { type MachinePath, type MachinePaths, MachinePathsSchema } from '../../src/paths/paths.schemas.ts';
import { restClient, type RestClient } from './support/rest-client.ts';
import { runCli, startServerProcess, type ServerProcess } from './support/server-process.ts';
import { wsUrlOf } from './support/ws-server.ts';

/** How long a step may take to show; time steps wait for the router's 2 s deadlines. */
const STEP_TIMEOUT_MS = 8_000;

let server: ServerProcess;
let rest: RestClient;
const documents = new Map<string, MachinePaths>();

beforeAll(async () => {
  const [started, ...printed] = await Promise.all([
    startServerProcess(),
    ...['offer', 'job', 'worker'].map((machine) => runCli(['paths', '--machine', machine, '--json'])),
  ]);
  server = started;
  rest = restClient(server.url);
  for (const { stdout } of printed) {
    const document = MachinePathsSchema.parse(JSON.parse(stdout));
    documents.set(document.machine, document);
  }
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

async function until<T>(what: string, read: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One run of one path: its own ids, and what it has seen of its actor. */
class PathRun {
  readonly #ids: Record<string, string>;
  readonly #client: SwitchboardClient;
  /** Every state the followed actor has been in, in order. */
  readonly states: string[] = [];

  constructor(client: SwitchboardClient, prefix: string) {
    this.#client = client;
    const names = ['jobId', 'workerId', 'otherWorkerId', 'queueId', 'distributionPolicyId', 'classificationPolicyId', 'failingClassificationPolicyId'];
    this.#ids = Object.fromEntries(names.map((name) => [`$${name}`, `${prefix}-${name.replace(/Id$/, '')}`]));
  }

  id(name: string): string {
    return this.#ids[name]!;
  }

  /** The offer the router issued to a worker for this run's job, read from the worker. */
  async offerOf(workerId: string): Promise<string> {
    return until(`an offer to ${workerId}`, async () => {
      const worker = await rest.get<{ offers: Array<{ offerId: string; jobId: string }> }>(`/routing/workers/${workerId}`);
      return worker.json.offers.find((offer) => offer.jobId === this.id('$jobId'))?.offerId;
    });
  }

  async #currentAssignment(): Promise<string> {
    const job = await rest.get<{ assignments: Record<string, { closedAt?: string }> }>(`/routing/jobs/${this.id('$jobId')}`);
    const current = Object.entries(job.json.assignments).find(([, assignment]) => assignment.closedAt === undefined);
    if (current === undefined) throw new Error('the job has no current assignment');
    return current[0];
  }

  /** A placeholder's value: an id of the run, an id read from the router, or a time from now. */
  async #value(text: string): Promise<string> {
    const time = /^\$now\+(\d+)([sd])$/.exec(text);
    if (time) return new Date(Date.now() + Number(time[1]) * (time[2] === 'd' ? 86_400_000 : 1000)).toISOString();
    if (text === '$offerId') return this.offerOf(this.id('$workerId'));
    if (text === '$otherOfferId') return this.offerOf(this.id('$otherWorkerId'));
    if (text === '$assignmentId') return this.#currentAssignment();
    return this.#ids[text] ?? text;
  }

  async #resolve(value: unknown): Promise<unknown> {
    if (typeof value === 'string') return value.startsWith('$') ? this.#value(value) : value;
    if (Array.isArray(value)) return Promise.all(value.map((item) => this.#resolve(item)));
    if (typeof value === 'object' && value !== null)
      return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await this.#resolve(item)])));
    return value;
  }

  /** Performs a client step; a time step needs nothing done, only waiting (see `reach`). */
  async perform(step: { by: string; operation?: string | undefined; args?: Record<string, unknown> | undefined }): Promise<void> {
    if (step.by !== 'client') return;
    const args = (await this.#resolve(step.args ?? {})) as never;
    await this.#client.call(step.operation as never, args);
  }

  /** Follows one actor on the transitions stream: its current state first, then every change. */
  async follow(kind: 'job' | 'offer' | 'worker', id: string): Promise<void> {
    const onTransition = (transition: Transition) => this.states.push(transition.to);
    await this.#client.subscribeTransitions(onTransition, { kinds: [kind], ids: [id], snapshot: true }, (actors) => this.states.push(...actors.map((actor) => actor.state)));
  }

  /** Waits until the actor has been in `state` since the `since`-th state seen, or is in it now. */
  async reach(state: string, since: number): Promise<void> {
    await until(`state ${state} (seen ${this.states.join(' → ') || 'nothing'})`, () =>
      this.states.slice(since).includes(state) || this.states.at(-1) === state ? true : undefined,
    );
  }
}

/**
 * Runs one path and checks where it ends, at once (a job left `completed` with a deferred close moves on by itself
 * moments later): on the transitions stream, and for a job also its status over REST.
 */
async function runPath(machine: 'offer' | 'job' | 'worker', document: MachinePaths, path: MachinePath, index: number): Promise<void> {
  const client = await SwitchboardClient.connect(wsUrlOf(server.url));
  try {
    const run = new PathRun(client, `${machine}${index}`);
    if (machine === 'job') await run.follow('job', run.id('$jobId'));
    for (const step of document.setup) await run.perform(step);
    // A job path starts before the job exists (its first step creates it); an offer path starts at the issued offer,
    // a worker path at the worker the setup registered.
    if (machine !== 'job') {
      await run.follow(machine, machine === 'offer' ? await run.offerOf(run.id('$workerId')) : run.id('$workerId'));
      await run.reach(document.initial, 0);
    }
    for (const [n, step] of path.steps.entries()) {
      const since = run.states.length;
      await run.perform(step);
      await run.reach(step.state, since).catch((error: unknown) => {
        throw new Error(`${path.name}, step ${n + 1} (${step.label}): ${(error as Error).message}`);
      });
    }
    expect(run.states.at(-1), path.name).toBe(path.target);
    if (machine === 'job') expect((await rest.get<{ status: string }>(`/routing/jobs/${run.id('$jobId')}`)).json.status, path.name).toBe(path.target);
  } finally {
    await client.close();
  }
}

describe('a client tested along the paths of `switchboard paths --json`', () => {
  it('drives every offer path to its outcome', async () => {
    const document = documents.get('offer')!;
    expect(document.paths.map((path) => path.target).sort()).toEqual(expect.arrayContaining(['accepted', 'declined', 'expired', 'revoked']));
    await Promise.all(document.paths.map((path, i) => runPath('offer', document, path, i)));
  });

  it('drives every job path to its status, on the transitions stream and over REST', async () => {
    const document = documents.get('job')!;
    const visited = new Set(document.paths.flatMap((path) => path.steps.map((step) => step.state)));
    expect([...visited]).toEqual(expect.arrayContaining(['queued', 'assigned', 'completed', 'closed', 'cancelled', 'waitingForActivation', 'classificationFailed', 'scheduleFailed']));
    await Promise.all(document.paths.map((path, i) => runPath('job', document, path, i)));
  });

  it('drives every worker path to its state', async () => {
    const document = documents.get('worker')!;
    await Promise.all(document.paths.map((path, i) => runPath('worker', document, path, i)));
  });
});
