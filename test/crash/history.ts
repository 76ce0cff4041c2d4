/**
 * What the restarted server says: its whole event history (subscribed from sequence number 1 over the WebSocket)
 * and a snapshot of its resources read at a quiet moment, so that the snapshot and the history up to a known
 * sequence number describe the same state.
 */
import { SwitchboardClient, type CallArgs, type CallResult } from '../../src/client/index.ts';
import type { OperationName } from '../../src/operations/table.ts';
import type { RouterEvent } from '../../src/protocol/events.schemas.ts';
import type { RouterJob } from '../../src/protocol/job.schemas.ts';
import type { RouterWorker } from '../../src/protocol/worker.schemas.ts';
import { wsUrlOf } from '../e2e/support/ws-server.ts';

/** A worker that no client uses: toggling its registration writes an event that marks a moment in the history. */
export const PROBE_WORKER = 'crash-probe';

export interface Snapshot {
  readonly jobs: readonly RouterJob[];
  /** Every worker but the probe. */
  readonly workers: readonly RouterWorker[];
  /** Distribution policy id → offer expiry in seconds. */
  readonly policies: ReadonlyMap<string, number | undefined>;
  /** Queue id → distribution policy id. */
  readonly queues: ReadonlyMap<string, string | undefined>;
  /** The state read is the state after event `cutSequence` (and no later one but the probe's). */
  readonly cutSequence: number;
  /** The server's time of the marker event before the read, epoch ms. */
  readonly at: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const QUIET_ATTEMPTS = 40;
const EVENT_WAIT_MS = 5000;

type Page<T> = { readonly value: readonly T[]; readonly nextPageToken?: string | undefined };

export class ServerHistory {
  /** Every event received so far, in the order pushed. */
  readonly events: RouterEvent[] = [];
  readonly #client: SwitchboardClient;
  #probeActive = false;

  private constructor(client: SwitchboardClient) {
    this.#client = client;
  }

  /** Connects and subscribes to every event from sequence number 1. */
  static async open(baseUrl: string): Promise<ServerHistory> {
    const client = await SwitchboardClient.connect(wsUrlOf(baseUrl));
    const history = new ServerHistory(client);
    await client.subscribe({ fromSequence: 1 }, (event) => history.events.push(event));
    return history;
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  /** The head as far as received. */
  get head(): number {
    return this.events.at(-1)?.sequenceNumber ?? 0;
  }

  /**
   * Reads the resources between two marker events, and retries until no other event fell between the markers: then
   * nothing changed during the read, and the snapshot is the state after the first marker.
   */
  async quietSnapshot(): Promise<Snapshot | undefined> {
    for (let attempt = 0; attempt < QUIET_ATTEMPTS; attempt++) {
      const before = await this.#mark();
      const cutSequence = this.head;
      const [jobs, workers, policies, queues] = await Promise.all([
        this.#all('listJobs', {}),
        this.#all('listWorkers', {}),
        this.#all('listDistributionPolicies', {}),
        this.#all('listQueues', {}),
      ]);
      await this.#mark();
      const between = this.events.filter((event) => event.sequenceNumber > cutSequence);
      if (between.every((event) => event.data['workerId'] === PROBE_WORKER))
        return {
          jobs,
          workers: workers.filter((worker) => worker.id !== PROBE_WORKER),
          policies: new Map(policies.map((policy) => [policy.id, policy.offerExpiresAfterSeconds])),
          queues: new Map(queues.map((queue) => [queue.id, queue.distributionPolicyId])),
          cutSequence,
          at: Date.parse(before.time),
        };
      await sleep(5 + attempt * 5);
    }
    return undefined;
  }

  /** Toggles the probe's registration and resolves with its event once it has been received. */
  async #mark(): Promise<RouterEvent> {
    this.#probeActive = !this.#probeActive;
    await this.#client.call('upsertWorker', { workerId: PROBE_WORKER, availableForOffers: this.#probeActive });
    const type = this.#probeActive ? 'RouterWorkerRegistered' : 'RouterWorkerDeregistered';
    const deadline = Date.now() + EVENT_WAIT_MS;
    for (;;) {
      const marker = this.events.findLast((event) => event.type === type && event.data['workerId'] === PROBE_WORKER);
      if (marker !== undefined && this.#isNewest(marker)) {
        // Pushes of the same commit may trail the marker by a moment.
        await sleep(2);
        return marker;
      }
      if (Date.now() > deadline) throw new Error(`the probe's ${type} event did not arrive within ${EVENT_WAIT_MS} ms`);
      await sleep(2);
    }
  }

  /** Whether no other probe event came after this one. */
  #isNewest(marker: RouterEvent): boolean {
    return !this.events.some((event) => event.sequenceNumber > marker.sequenceNumber && event.data['workerId'] === PROBE_WORKER);
  }

  async #all<N extends 'listJobs' | 'listWorkers' | 'listDistributionPolicies' | 'listQueues'>(
    op: N,
    args: CallArgs<N>,
  ): Promise<Array<CallResult<N>['value'][number]>> {
    const items: Array<CallResult<N>['value'][number]> = [];
    let pageToken: string | undefined;
    do {
      const page = (await this.#client.call(op as OperationName, { ...args, maxpagesize: 1000, pageToken } as never)) as Page<CallResult<N>['value'][number]>;
      items.push(...page.value);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return items;
  }
}
