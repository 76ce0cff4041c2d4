import { WebSocket } from 'ws';
import type { Principal } from '../auth/tokens.ts';
import { WS_CLOSE_CODES } from './close-codes.ts';
import type { WsAnswer, WsPush } from './messages.schemas.ts';

/** Limits of one connection. */
export interface ConnectionLimits {
  /** Bytes queued for the client beyond which it is closed with 4008 instead of queueing more. */
  readonly highWaterMark: number;
  /** Requests being processed at once; past it the connection stops reading until one finishes. */
  readonly maxInFlight: number;
}

/**
 * One client connection: who it is, what it has asked to receive, and the two limits that keep a misbehaving client
 * from costing the server unbounded memory — outgoing (the high-water mark) and incoming (requests in flight).
 */
export class Connection {
  readonly principal: Principal;
  /** Whose request budget this connection's requests are charged to. */
  readonly rateKey: string;
  readonly #socket: WebSocket;
  readonly #limits: ConnectionLimits;
  #alive = true;
  #inFlight = 0;
  #nextSubscription = 0;
  /** Subscription id → how to stop it. */
  readonly #subscriptions = new Map<string, () => void>();
  readonly #closeHandlers: Array<() => void> = [];
  readonly #closed: Promise<void>;

  constructor(socket: WebSocket, principal: Principal, limits: ConnectionLimits, rateKey: string) {
    this.#socket = socket;
    this.principal = principal;
    this.rateKey = rateKey;
    this.#limits = limits;
    socket.on('pong', () => {
      this.#alive = true;
    });
    this.#closed = new Promise((resolve) =>
      socket.once('close', () => {
        for (const stop of this.#subscriptions.values()) stop();
        this.#subscriptions.clear();
        for (const handler of this.#closeHandlers) handler();
        resolve();
      }),
    );
  }

  /** Whether messages can still be sent. */
  get isOpen(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  /**
   * Sends one answer or push. Past the high-water mark the connection is closed with 4008 rather than buffering
   * more: a client that cannot keep up must not make the server hold an ever-growing queue for it.
   */
  send(message: WsAnswer | WsPush): void {
    if (!this.isOpen) return;
    this.#socket.send(JSON.stringify(message));
    if (this.#socket.bufferedAmount > this.#limits.highWaterMark) this.close(WS_CLOSE_CODES.consumerTooSlow);
  }

  /** Closes with one of the gateway's close codes. */
  close(how: { readonly code: number; readonly reason: string }): void {
    if (this.isOpen) this.#socket.close(how.code, how.reason);
  }

  /**
   * Closes with 1001 and resolves once the connection is closed, terminating a client that has not completed the
   * closing handshake within `graceMs` (ws alone would wait 30 s).
   */
  async shutdown(graceMs: number): Promise<void> {
    this.close(WS_CLOSE_CODES.goingAway);
    const timer = setTimeout(() => this.#socket.terminate(), graceMs);
    await this.#closed;
    clearTimeout(timer);
  }

  /** Runs `handler` once when the connection has closed, however it closed. */
  onClose(handler: () => void): void {
    this.#closeHandlers.push(handler);
  }

  /**
   * One heartbeat round (ws's recipe): a connection that has not answered the previous ping is terminated,
   * otherwise it is pinged again.
   */
  heartbeat(): void {
    if (!this.#alive) {
      this.#socket.terminate();
      return;
    }
    this.#alive = false;
    this.#socket.ping();
  }

  /** Counts a request as started; at the limit, stops reading so TCP pushes back on a flooding client. */
  requestStarted(): void {
    if (++this.#inFlight === this.#limits.maxInFlight) this.#socket.pause();
  }

  /** Counts a request as answered, resuming reading when it drops below the limit. */
  requestFinished(): void {
    if (this.#inFlight-- === this.#limits.maxInFlight) this.#socket.resume();
  }

  /**
   * Starts a subscription under a new id, unique on this connection; `start` receives the id (its pushes carry it)
   * and returns how to stop it. Stopped by {@link removeSubscription} or when the connection closes.
   */
  addSubscription(start: (subscriptionId: string) => () => void): string {
    const id = `s${++this.#nextSubscription}`;
    this.#subscriptions.set(id, start(id));
    return id;
  }

  /** Stops a subscription; `false` when this connection has none by that id. */
  removeSubscription(id: string): boolean {
    const stop = this.#subscriptions.get(id);
    if (stop === undefined) return false;
    this.#subscriptions.delete(id);
    stop();
    return true;
  }
}

/** A sender for one subscription or session: holds its pushes until `open()`. */
export interface HeldSender {
  send(message: WsPush): void;
  open(): void;
}

/**
 * Holds pushes until the answer that introduces them has been sent, so a client never receives a push naming a
 * subscription it has not yet been told about. Only what is published in that short window is held.
 */
export function heldSender(connection: Connection): HeldSender {
  let held: WsPush[] | undefined = [];
  return {
    send(message) {
      if (held) held.push(message);
      else connection.send(message);
    },
    open() {
      const pending = held ?? [];
      held = undefined;
      for (const message of pending) connection.send(message);
    },
  };
}
