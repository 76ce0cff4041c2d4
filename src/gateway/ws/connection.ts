import { WebSocket, type RawData } from 'ws';
import type { Principal } from '../../auth/tokens.ts';
import { THROTTLED_BEFORE_CLOSE, THROTTLED_FORGIVEN_PER_ALLOWED } from '../rate-limit.ts';
import { WS_CLOSE_CODES } from './close-codes.ts';
import type { WsAnswer, WsPush } from './messages.schemas.ts';

/** Limits of one connection. */
export interface ConnectionLimits {
  /** Bytes queued for the client beyond which it is closed with 4008 instead of queueing more. */
  readonly highWaterMark: number;
  /** Requests received and not yet answered; past it the connection stops reading until they drop to half. */
  readonly maxInFlight: number;
}

/**
 * Runs one request. `arrivedDuringShutdown` is true for a message received after the shutdown began, which is
 * answered `ShuttingDown` without being processed.
 */
export type MessageHandler = (connection: Connection, data: RawData, arrivedDuringShutdown: boolean) => Promise<void>;

/**
 * Messages one connection starts per event-loop turn. ws hands over every message of a TCP read at once (hundreds
 * from a flooding client); starting only this many and queueing the rest lets other connections, HTTP requests and
 * timers run in between, so one client cannot monopolize the loop.
 */
export const MESSAGES_PER_TURN = 32;

/** How long a client gets to answer a server-initiated close before its socket is dropped (ws alone waits 30 s). */
export const CLOSE_GRACE_MS = 1000;

/** How a connection ended, as its close handlers are told. */
export interface ConnectionClose {
  /**
   * The code the server sent when it started the close; otherwise the client's (1005 when its close frame had none,
   * 1006 when the connection dropped without one).
   */
  readonly closeCode: number;
  readonly reason: string;
  /** Who started the close: the server (one of its close codes, a protocol error, a missed heartbeat) or the client. */
  readonly closedBy: 'server' | 'client';
  /** ws's stable code (`WS_ERR_…`) of the protocol error the client made and the connection was closed for. */
  readonly errorCode: string | undefined;
}

/** What a connection ended by heartbeat is reported with: it is terminated, so nothing is sent. */
const HEARTBEAT_TIMEOUT = { code: 1006, reason: 'heartbeat timeout' } as const;

/**
 * The close code ws sends for a protocol error, by the error's code (ws's error codes are public, the close codes it
 * pairs them with are not); 1002, protocol error, for the others. ws stops reading once it has sent it, so the
 * close event itself only says 1006.
 */
const PROTOCOL_ERROR_CLOSE_CODES: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
  WS_ERR_INVALID_UTF8: 1007,
};

interface Received {
  readonly data: RawData;
  readonly arrivedDuringShutdown: boolean;
}

/**
 * One client connection: who it is, what it has asked to receive, and the limits that keep a misbehaving client from
 * costing the server unbounded memory or time — outgoing (the high-water mark), incoming (requests received and not
 * answered, {@link MESSAGES_PER_TURN}), and its rate (closed after {@link THROTTLED_BEFORE_CLOSE} throttled requests
 * that its allowed ones did not forgive).
 */
export class Connection {
  readonly principal: Principal;
  /** Whose request budget this connection's requests are charged to. */
  readonly rateKey: string;
  readonly #socket: WebSocket;
  readonly #limits: ConnectionLimits;
  readonly #handle: MessageHandler;
  #alive = true;
  /** Received, not yet started: in arrival order, read from `#head` on. */
  #queue: Received[] = [];
  #head = 0;
  #inFlight = 0;
  #paused = false;
  /** Messages that may still start at once in this turn; refilled by the next turn. */
  #turnBudget = MESSAGES_PER_TURN;
  #turnScheduled = false;
  /** Throttled requests not yet forgiven by allowed ones. */
  #unforgivenThrottled = 0;
  #draining = false;
  /** Requests received before the shutdown began and not yet answered: what the shutdown waits for. */
  #owed = 0;
  #whenSettled: Array<() => void> = [];
  #nextSubscription = 0;
  /** Subscription id → how to stop it. */
  readonly #subscriptions = new Map<string, () => void>();
  readonly #closeHandlers: Array<(closed: ConnectionClose) => void> = [];
  readonly #closed: Promise<void>;
  #received = 0;
  #sent = 0;
  /** The close the server started, if it did: what the close is reported as, whatever the client answers. */
  #serverClose: { readonly code: number; readonly reason: string } | undefined;
  #errorCode: string | undefined;

  constructor(socket: WebSocket, principal: Principal, limits: ConnectionLimits, rateKey: string, handle: MessageHandler) {
    this.#socket = socket;
    this.principal = principal;
    this.rateKey = rateKey;
    this.#limits = limits;
    this.#handle = handle;
    socket.on('pong', () => {
      this.#alive = true;
    });
    socket.on('message', (data) => this.#receive(data));
    // Protocol errors (oversize, bad frames) arrive here after ws has started closing the socket itself.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.#errorCode !== undefined) return;
      this.#errorCode = error.code ?? error.name;
      this.#serverClose ??= { code: PROTOCOL_ERROR_CLOSE_CODES[this.#errorCode] ?? 1002, reason: '' };
    });
    this.#closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        for (const stop of this.#subscriptions.values()) stop();
        this.#subscriptions.clear();
        this.#dropQueued();
        const closed: ConnectionClose = {
          closeCode: this.#serverClose?.code ?? code,
          reason: this.#serverClose?.reason ?? reason.toString(),
          closedBy: this.#serverClose === undefined ? 'client' : 'server',
          errorCode: this.#errorCode,
        };
        for (const handler of this.#closeHandlers) handler(closed);
        resolve();
      }),
    );
  }

  /** Whether messages can still be sent. */
  get isOpen(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  /** Bytes queued for the client and not yet handed to the network. */
  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  /** Messages received from the client, processed or not. */
  get messagesReceived(): number {
    return this.#received;
  }

  /** Answers and pushes sent to the client. */
  get messagesSent(): number {
    return this.#sent;
  }

  /**
   * Sends one answer or push. Past the high-water mark the connection is closed with 4008 rather than buffering
   * more: a client that cannot keep up must not make the server hold an ever-growing queue for it.
   */
  send(message: WsAnswer | WsPush): void {
    if (!this.isOpen) return;
    this.#socket.send(JSON.stringify(message));
    this.#sent++;
    if (this.#socket.bufferedAmount > this.#limits.highWaterMark) this.close(WS_CLOSE_CODES.consumerTooSlow);
  }

  /** Closes with one of the gateway's close codes. */
  close(how: { readonly code: number; readonly reason: string }): void {
    if (!this.isOpen) return;
    this.#serverClose = { code: how.code, reason: how.reason };
    this.#socket.close(how.code, how.reason);
  }

  /**
   * The first step of a shutdown: requests received from now on are answered `ShuttingDown`, unprocessed. Resolves
   * once every request received before has been answered (or the connection closed).
   */
  drain(): Promise<void> {
    this.#draining = true;
    return new Promise((resolve) => {
      this.#whenSettled.push(resolve);
      this.#settleIfOwedNothing();
    });
  }

  /** Requests received before the shutdown began (all of them, before it) and not yet answered. */
  get owedAnswers(): number {
    return this.#owed;
  }

  /**
   * Closes with 1001 and resolves once the connection is closed, terminating a client that has not completed the
   * closing handshake within `graceMs`. Answers already sent go out first: ws writes frames in order.
   */
  async shutdown(graceMs = CLOSE_GRACE_MS): Promise<void> {
    this.#closeWithin(WS_CLOSE_CODES.goingAway, graceMs);
    await this.#closed;
  }

  /** Runs `handler` once when the connection has closed, however it closed, and tells it how. */
  onClose(handler: (closed: ConnectionClose) => void): void {
    this.#closeHandlers.push(handler);
  }

  /**
   * One heartbeat round (ws's recipe): a connection that has not answered the previous ping is terminated,
   * otherwise it is pinged again.
   */
  heartbeat(): void {
    if (!this.#alive) {
      this.#serverClose ??= HEARTBEAT_TIMEOUT;
      this.#socket.terminate();
      return;
    }
    this.#alive = false;
    this.#socket.ping();
  }

  /** Records a request allowed by the rate budget: it forgives some of the refusals before it. */
  withinBudget(): void {
    this.#unforgivenThrottled = Math.max(0, this.#unforgivenThrottled - THROTTLED_FORGIVEN_PER_ALLOWED);
  }

  /**
   * Records a request refused by the rate budget. A client that keeps sending regardless is closed with 4029: its
   * refusals would cost the server as much as its requests.
   */
  throttled(): void {
    if (++this.#unforgivenThrottled < THROTTLED_BEFORE_CLOSE) return;
    // Nothing more it sends is read: its closing handshake is not awaited beyond the grace either.
    this.#paused = true;
    this.#socket.pause();
    this.#closeWithin(WS_CLOSE_CODES.tooManyRequests, CLOSE_GRACE_MS);
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

  #receive(data: RawData): void {
    this.#received++;
    // ws still parses what arrives while the closing handshake runs; none of it is processed.
    if (!this.isOpen) return;
    const received = { data, arrivedDuringShutdown: this.#draining };
    if (!this.#draining) this.#owed++;
    if (this.#head === this.#queue.length && this.#turnBudget > 0) {
      this.#turnBudget--;
      this.#start(received);
    } else {
      this.#queue.push(received);
    }
    if (!this.#paused && this.#unanswered() >= this.#limits.maxInFlight) {
      // TCP now pushes back on the sender; resumed in #finished.
      this.#paused = true;
      this.#socket.pause();
    }
    this.#scheduleTurn();
  }

  #scheduleTurn(): void {
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    setImmediate(this.#turn);
  }

  readonly #turn = (): void => {
    this.#turnScheduled = false;
    this.#turnBudget = MESSAGES_PER_TURN;
    if (!this.isOpen) return this.#dropQueued();
    while (this.#turnBudget > 0 && this.#head < this.#queue.length) {
      this.#turnBudget--;
      this.#start(this.#queue[this.#head++]!);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else {
      this.#scheduleTurn();
    }
  };

  #start(received: Received): void {
    this.#inFlight++;
    void this.#handle(this, received.data, received.arrivedDuringShutdown).finally(() => this.#finished(received));
  }

  #finished(received: Received): void {
    this.#inFlight--;
    if (!received.arrivedDuringShutdown) {
      this.#owed--;
      this.#settleIfOwedNothing();
    }
    if (this.#paused && this.#unanswered() <= this.#limits.maxInFlight / 2 && this.isOpen) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  #unanswered(): number {
    return this.#inFlight + this.#queue.length - this.#head;
  }

  /** What was received but not started once the connection is closing is dropped unanswered: nobody would read it. */
  #dropQueued(): void {
    for (let i = this.#head; i < this.#queue.length; i++) if (!this.#queue[i]!.arrivedDuringShutdown) this.#owed--;
    this.#queue = [];
    this.#head = 0;
    this.#settleIfOwedNothing();
  }

  #settleIfOwedNothing(): void {
    if (!this.#draining || this.#owed > 0) return;
    for (const resolve of this.#whenSettled.splice(0)) resolve();
  }

  #closeWithin(how: { readonly code: number; readonly reason: string }, graceMs: number): void {
    this.close(how);
    const timer = setTimeout(() => this.#socket.terminate(), graceMs);
    void this.#closed.then(() => clearTimeout(timer));
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
