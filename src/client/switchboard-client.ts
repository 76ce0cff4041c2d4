import { WebSocket, type RawData } from 'ws';
import type { GatewayArgs, GatewayResult, WsAnswer, WsPush } from '../gateway/ws/messages.schemas.ts';
import type { OperationName } from '../operations/table.ts';
import { SwitchboardError } from './switchboard-error.ts';
import type {
  ActorState,
  AttachWorkerOptions,
  CallArgs,
  CallResult,
  EventFilter,
  EventHandler,
  OfferEvent,
  Subscription,
  Transition,
  TransitionFilter,
} from './types.ts';

/** Options of {@link SwitchboardClient.connect}. */
export interface ConnectOptions {
  /** The access key or a worker token, sent as `Authorization: Bearer`. */
  readonly token?: string | undefined;
}

/** How the connection ended. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

interface Pending {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: SwitchboardError) => void;
  /**
   * Runs synchronously when the answer arrives, before any later message is handled: pushes can follow their
   * answer in the same packet, and a handler registered after an `await` would miss them.
   */
  readonly onResult?: ((result: unknown) => void) | undefined;
}

/**
 * A typed client of Switchboard's WebSocket protocol (`docs/protocol.md`): every operation of the table under its
 * Azure name with argument and result types inferred from its schemas, plus subscriptions and worker sessions.
 *
 * @example
 * ```ts
 * const client = await SwitchboardClient.connect('ws://127.0.0.1:8080/ws', { token });
 * await client.attachWorker('w1', (offer) => console.log(offer.type, offer.data['offerId']));
 * const job = await client.call('upsertJob', { jobId: 'j1', queueId: 'q1', channelId: 'voice' });
 * ```
 */
export class SwitchboardClient {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, Pending>();
  /** Subscription id → what receives its pushes. */
  readonly #subscriptions = new Map<string, (push: WsPush) => void>();
  /** Worker id → what receives its offers. */
  readonly #workers = new Map<string, (event: OfferEvent) => void>();
  #nextId = 0;
  /** Resolves when the connection has closed, with the server's close code (4008: too slow; see the protocol). */
  readonly closed: Promise<CloseInfo>;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => this.#receive(data));
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        for (const pending of this.#pending.values())
          pending.reject(new SwitchboardError('ConnectionClosed', `connection closed (${code}) before the answer`));
        this.#pending.clear();
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  /**
   * Opens a connection to a Switchboard server's `/ws` endpoint.
   *
   * @throws SwitchboardError `Unauthorized` when the server refuses the credential, `ConnectionClosed` when it
   * cannot be reached
   */
  static connect(url: string, options: ConnectOptions = {}): Promise<SwitchboardClient> {
    const headers: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
    const socket = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        socket.removeAllListeners('error');
        // Socket errors end in 'close', which rejects whatever is pending.
        socket.on('error', () => undefined);
        resolve(new SwitchboardClient(socket));
      });
      socket.once('unexpected-response', (request, response) => {
        request.destroy();
        reject(
          response.statusCode === 401
            ? new SwitchboardError('Unauthorized', 'the server refused the credential')
            : new SwitchboardError('ConnectionClosed', `the server answered HTTP ${response.statusCode}`),
        );
      });
      socket.once('error', (error) => reject(new SwitchboardError('ConnectionClosed', error.message)));
    });
  }

  /**
   * Runs an operation of the operations table.
   *
   * @param op - the operation's name, e.g. `upsertJob`, `acceptJobOffer`
   * @param args - path parameters and body fields in one object (`{ workerId, offerId }`)
   * @throws SwitchboardError with the server's code when it refuses
   */
  call<N extends OperationName>(op: N, args: CallArgs<N>): Promise<CallResult<N>> {
    return this.#request(op, args) as Promise<CallResult<N>>;
  }

  /**
   * Subscribes to events matching `filter`, replayed from `filter.fromSequence` first when given, then live, in
   * `sequenceNumber` order without gaps.
   *
   * @throws SwitchboardError `EventsNoLongerAvailable` when `fromSequence` is older than the retained history
   */
  async subscribe(filter: EventFilter, onEvent: EventHandler): Promise<Subscription> {
    return this.#subscribe({ ...filter, stream: 'events' }, (push) => {
      if (push.type === 'event') onEvent(push.event);
    });
  }

  /**
   * Subscribes to actor state changes (job, offer, worker, queue), for live state-chart views: of every actor, or of
   * the `kinds` and `ids` in `filter`. With `filter.snapshot`, `onSnapshot` first receives the current states of
   * those actors, and the changes that follow start exactly from them.
   *
   * @throws SwitchboardError `TooManySubscriptionIds` for more than 1000 ids, `InvalidRequest` for other bad filters
   */
  async subscribeTransitions(
    onTransition: (transition: Transition) => void,
    filter: TransitionFilter = {},
    onSnapshot?: (actors: readonly ActorState[]) => void,
  ): Promise<Subscription> {
    return this.#subscribe({ ...filter, stream: 'transitions' }, (push) => {
      if (push.type === 'transition') onTransition({ actor: push.actor, from: push.from, to: push.to, event: push.event });
      else if (push.type === 'snapshot') onSnapshot?.(push.actors);
    });
  }

  /**
   * Makes this connection a session of the worker: `onOffer` receives its offer events (issued, revoked, expired)
   * as they are committed. The result holds the offers already live; one issued while attaching can also arrive
   * through `onOffer`, so key offers by `data.offerId`.
   *
   * @throws SwitchboardError `NotFound` when the worker does not exist, `Forbidden` for another worker's token
   */
  async attachWorker(
    workerId: string,
    onOffer: (event: OfferEvent) => void,
    options: AttachWorkerOptions = {},
  ): Promise<GatewayResult<'attachWorker'>> {
    const previous = this.#workers.get(workerId);
    // Registered before asking: the server may push offers right behind its answer.
    this.#workers.set(workerId, onOffer);
    const args: GatewayArgs<'attachWorker'> = { ...options, workerId };
    try {
      return (await this.#request('attachWorker', args)) as GatewayResult<'attachWorker'>;
    } catch (error) {
      if (previous === undefined) this.#workers.delete(workerId);
      else this.#workers.set(workerId, previous);
      throw error;
    }
  }

  /** Whether the connection is open: a call made now is sent. */
  get isOpen(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  /** Closes the connection; calls still waiting for an answer reject with `ConnectionClosed`. */
  async close(): Promise<void> {
    this.#socket.close(1000);
    await this.closed;
  }

  async #subscribe(args: GatewayArgs<'subscribe'>, onPush: (push: WsPush) => void): Promise<Subscription> {
    const { subscriptionId, nextSequence } = (await this.#request('subscribe', args, (result) => {
      this.#subscriptions.set((result as GatewayResult<'subscribe'>).subscriptionId, onPush);
    })) as GatewayResult<'subscribe'>;
    return {
      subscriptionId,
      nextSequence,
      unsubscribe: async () => {
        this.#subscriptions.delete(subscriptionId);
        await this.#request('unsubscribe', { subscriptionId });
      },
    };
  }

  #request(op: string, args: object, onResult?: (result: unknown) => void): Promise<unknown> {
    if (this.#socket.readyState !== WebSocket.OPEN)
      return Promise.reject(new SwitchboardError('ConnectionClosed', 'the connection is closed'));
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onResult });
      this.#socket.send(JSON.stringify({ id, op, args }));
    });
  }

  #receive(data: RawData): void {
    const message = JSON.parse(data.toString()) as WsAnswer | WsPush;
    if ('ok' in message) return this.#answer(message);
    if (message.type === 'offer') this.#workers.get(message.workerId)?.(message.event);
    else this.#subscriptions.get(message.subscriptionId)?.(message);
  }

  #answer(answer: WsAnswer): void {
    // Only this client's numeric ids are awaited; an answer with `id: null` concerns no call.
    if (typeof answer.id !== 'number') return;
    const pending = this.#pending.get(answer.id);
    if (pending === undefined) return;
    this.#pending.delete(answer.id);
    if (answer.ok) {
      pending.onResult?.(answer.result);
      pending.resolve(answer.result);
    } else {
      const { code, message, target } = answer.error;
      pending.reject(new SwitchboardError(code, message, target));
    }
  }
}
