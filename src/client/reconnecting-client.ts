import type { GatewayResult } from '../gateway/ws/messages.schemas.ts';
import type { OperationName } from '../operations/table.ts';
import type { RouterEvent } from '../protocol/events.schemas.ts';
import { SwitchboardClient, type CloseInfo, type ConnectOptions } from './switchboard-client.ts';
import { SwitchboardError } from './switchboard-error.ts';
import type { ActorState, AttachWorkerOptions, CallArgs, CallResult, EventFilter, EventHandler, OfferEvent, Subscription, Transition, TransitionFilter } from './types.ts';

/** Options of {@link ReconnectingClient.connect}. */
export interface ReconnectOptions extends ConnectOptions {
  /** First wait before connecting again; doubled after each failed attempt. Default 100 ms. */
  readonly retryInitialMs?: number | undefined;
  /** Longest wait between attempts. Default 2 s. */
  readonly retryMaxMs?: number | undefined;
  /** Gives up when no server could be reached for this long. Default 60 s. */
  readonly giveUpAfterMs?: number | undefined;
  /** Called after each reconnection, with the address that answered, before subscriptions are restored. */
  readonly onReconnect?: ((url: string) => void) | undefined;
  /** A subscription that could not be restored (its events are no longer retained, say): it has ended. */
  readonly onSubscriptionLost?: ((error: SwitchboardError) => void) | undefined;
}

type Restorer = (client: SwitchboardClient) => Promise<void>;

/**
 * A client that outlives its connection. When the connection drops it connects again, to each of `urls` in turn (a
 * server, or an owner and its standbys), waiting longer after each failure, and restores what it had: every events
 * subscription resumes from one past the last sequence number it delivered, so each event is delivered once, in
 * order, with no gap; transitions subscriptions are opened again (with a fresh snapshot where they asked for one);
 * attached workers attach again.
 *
 * Calls made while reconnecting wait for the connection. A call whose connection dropped before its answer rejects
 * with `ConnectionClosed`: it may or may not have taken effect, so repeat only what is idempotent (an upsert with
 * the same body) or read first.
 */
export class ReconnectingClient {
  readonly #urls: readonly string[];
  readonly #options: ReconnectOptions;
  readonly #restorers = new Set<Restorer>();
  #current: Promise<SwitchboardClient>;
  #urlIndex = 0;
  #closing = false;
  #resolveClosed!: (info: CloseInfo) => void;
  /** Resolves when the client was closed, or gave up reconnecting, with the last connection's close. */
  readonly closed: Promise<CloseInfo>;

  private constructor(urls: readonly string[], options: ReconnectOptions, first: SwitchboardClient) {
    this.#urls = urls;
    this.#options = options;
    this.#current = Promise.resolve(first);
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#watch(first);
  }

  /**
   * Connects to the first of `urls` that answers.
   *
   * @throws SwitchboardError `Unauthorized` when a server refuses the credential, `ConnectionClosed` when none answers
   */
  static async connect(urls: string | readonly string[], options: ReconnectOptions = {}): Promise<ReconnectingClient> {
    const list = typeof urls === 'string' ? [urls] : urls;
    if (list.length === 0) throw new SwitchboardError('InvalidRequest', 'ReconnectingClient.connect needs at least one address');
    let lastError: unknown;
    for (const [index, url] of list.entries()) {
      try {
        const client = new ReconnectingClient(list, options, await SwitchboardClient.connect(url, options));
        client.#urlIndex = index;
        return client;
      } catch (error) {
        if (error instanceof SwitchboardError && error.code === 'Unauthorized') throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  /** Runs an operation on the current connection, waiting for one while reconnecting. See the class for retries. */
  async call<N extends OperationName>(op: N, args: CallArgs<N>): Promise<CallResult<N>> {
    return (await this.#open()).call(op, args);
  }

  /**
   * The connection once it is open. One that is closing, before its close was reported, would refuse a call it
   * never sent; waiting for that report puts the reconnection in its place.
   */
  async #open(): Promise<SwitchboardClient> {
    for (;;) {
      const client = await this.#current;
      if (client.isOpen || this.#closing) return client;
      await client.closed;
    }
  }

  /** As {@link SwitchboardClient.subscribe}, kept across reconnections with nothing missed or repeated. */
  async subscribe(filter: EventFilter, onEvent: EventHandler): Promise<Subscription> {
    let next = filter.fromSequence;
    const deliver = (event: RouterEvent) => {
      // A replay after reconnecting starts exactly at `next`; anything lower was delivered already.
      if (next !== undefined && event.sequenceNumber < next) return;
      next = event.sequenceNumber + 1;
      onEvent(event);
    };
    return this.#keep(async (client) => {
      const subscription = await client.subscribe({ ...filter, fromSequence: next }, deliver);
      next ??= subscription.nextSequence;
      return subscription;
    });
  }

  /** As {@link SwitchboardClient.subscribeTransitions}, opened again after each reconnection. */
  async subscribeTransitions(
    onTransition: (transition: Transition) => void,
    filter: TransitionFilter = {},
    onSnapshot?: (actors: readonly ActorState[]) => void,
  ): Promise<Subscription> {
    return this.#keep((client) => client.subscribeTransitions(onTransition, filter, onSnapshot));
  }

  /**
   * As {@link SwitchboardClient.attachWorker}, attached again after each reconnection. `onAttached` receives every
   * attachment's result, the first and each after a reconnection, whose `offers` are the worker's live offers then.
   */
  async attachWorker(
    workerId: string,
    onOffer: (event: OfferEvent) => void,
    options: AttachWorkerOptions = {},
    onAttached?: (result: GatewayResult<'attachWorker'>) => void,
  ): Promise<GatewayResult<'attachWorker'>> {
    let first: GatewayResult<'attachWorker'> | undefined;
    const restore: Restorer = async (client) => {
      const result = await client.attachWorker(workerId, onOffer, options);
      first ??= result;
      onAttached?.(result);
    };
    await restore(await this.#open());
    this.#restorers.add(restore);
    return first!;
  }

  /** Closes the connection and stops reconnecting. */
  async close(): Promise<void> {
    this.#closing = true;
    const client = await this.#current.catch(() => undefined);
    await client?.close();
    await this.closed;
  }

  /** Opens something on the current connection and again on each later one; its handle survives them all. */
  async #keep(open: (client: SwitchboardClient) => Promise<Subscription>): Promise<Subscription> {
    let current = await open(await this.#open());
    const restore: Restorer = async (client) => {
      current = await open(client);
    };
    this.#restorers.add(restore);
    return {
      get subscriptionId() {
        return current.subscriptionId;
      },
      get nextSequence() {
        return current.nextSequence;
      },
      unsubscribe: async () => {
        this.#restorers.delete(restore);
        await current.unsubscribe();
      },
    };
  }

  #watch(client: SwitchboardClient): void {
    void client.closed.then((info) => {
      if (this.#closing) return this.#resolveClosed(info);
      this.#current = this.#reconnect(info);
      // Callers awaiting `#current` see the failure themselves; this only keeps it from being unhandled.
      this.#current.catch(() => undefined);
    });
  }

  async #reconnect(lastClose: CloseInfo): Promise<SwitchboardClient> {
    const started = Date.now();
    let wait = this.#options.retryInitialMs ?? 100;
    for (;;) {
      if (this.#closing) throw new SwitchboardError('ConnectionClosed', 'the client was closed');
      const url = this.#urls[this.#urlIndex]!;
      try {
        const client = await SwitchboardClient.connect(url, this.#options);
        this.#options.onReconnect?.(url);
        for (const restore of this.#restorers) {
          await restore(client).catch((error: unknown) => {
            // Closed again meanwhile: the next reconnection restores everything anew.
            if (error instanceof SwitchboardError && error.code === 'ConnectionClosed') throw error;
            this.#restorers.delete(restore);
            this.#options.onSubscriptionLost?.(error instanceof SwitchboardError ? error : new SwitchboardError('InternalError', String(error)));
          });
        }
        this.#watch(client);
        return client;
      } catch (error) {
        if (error instanceof SwitchboardError && error.code === 'Unauthorized') {
          this.#resolveClosed(lastClose);
          throw error;
        }
        this.#urlIndex = (this.#urlIndex + 1) % this.#urls.length;
        if (Date.now() - started > (this.#options.giveUpAfterMs ?? 60_000)) {
          this.#resolveClosed(lastClose);
          throw new SwitchboardError('ConnectionClosed', `no server answered for ${Math.round((Date.now() - started) / 1000)} s`);
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(wait * 2, this.#options.retryMaxMs ?? 2000);
      }
    }
  }
}
