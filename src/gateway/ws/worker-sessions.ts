import type { z } from 'zod';
import { RouterError } from '../../errors.ts';
import type { RouterEvent } from '../../protocol/events.schemas.ts';
import type { Router } from '../../router.ts';
import { heldSender, type Connection, type HeldSender } from './connection.ts';
import {
  OFFER_EVENT_TYPES,
  type AttachWorkerArgsSchema,
  type AttachWorkerResultSchema,
  type OfferPush,
} from './messages.schemas.ts';
import type { GatewayAnswer } from './subscriptions.ts';

interface Session {
  readonly pushes: HeldSender;
  readonly deregisterOnDisconnect: boolean;
  readonly graceMs: number;
}

/** Reports a failed deregistration; the gateway has no caller to answer. */
export type SessionErrorLog = (message: string, error: unknown) => void;

/**
 * Workers' live sessions: the connections attached as each worker, which receive its offers, and the deregistration
 * of a worker whose last session dropped. One router subscription serves every session, so the cost per offer event
 * is a map lookup however many workers are attached.
 */
export class WorkerSessions {
  readonly #router: Router;
  readonly #logError: SessionErrorLog;
  /** Worker id → its sessions, one per attached connection. */
  readonly #sessions = new Map<string, Map<Connection, Session>>();
  /** Deregistrations waiting out their grace period, by worker id. */
  readonly #graceTimers = new Map<string, NodeJS.Timeout>();
  readonly #subscribed: Promise<() => void>;

  constructor(router: Router, logError: SessionErrorLog) {
    this.#router = router;
    this.#logError = logError;
    this.#subscribed = router.subscribe({ types: [...OFFER_EVENT_TYPES] }, (event) => this.#deliver(event));
  }

  /**
   * `attachWorker`: makes the connection a session of the worker. The result lists the worker's live offers; every
   * offer event committed after attaching is pushed after the answer. An offer issued while attaching may appear in
   * both, so clients key offers by `offerId`.
   *
   * @throws RouterError `NotFound` when the worker does not exist
   */
  async attach(
    connection: Connection,
    args: z.output<typeof AttachWorkerArgsSchema>,
  ): Promise<GatewayAnswer<z.output<typeof AttachWorkerResultSchema>>> {
    await this.#subscribed;
    // A connection that closed while this request waited would never run its close handler again.
    if (!connection.isOpen) throw new RouterError('InvalidRequest', 'the connection is closing');
    const { workerId } = args;
    const sessions = this.#sessions.get(workerId) ?? new Map<Connection, Session>();
    const attachedBefore = sessions.has(connection);
    const session: Session = {
      pushes: heldSender(connection),
      deregisterOnDisconnect: args.deregisterOnDisconnect,
      graceMs: args.graceSeconds * 1000,
    };
    // Registered before reading the offers, so nothing committed in between can fall through the gap.
    sessions.set(connection, session);
    this.#sessions.set(workerId, sessions);
    if (!attachedBefore) connection.onClose(() => this.#detach(connection, workerId));
    let offers;
    try {
      ({ offers } = await this.#router.getWorker(workerId));
    } catch (error) {
      this.#remove(connection, workerId);
      throw error;
    }
    this.#cancelGrace(workerId);
    return { result: { workerId, offers }, afterAnswer: session.pushes.open };
  }

  /** Stops pushing offers and drops pending deregistrations: a server shutting down leaves workers as they are. */
  async close(): Promise<void> {
    for (const timer of this.#graceTimers.values()) clearTimeout(timer);
    this.#graceTimers.clear();
    this.#sessions.clear();
    (await this.#subscribed)();
  }

  #deliver(event: RouterEvent): void {
    const workerId = event.data['workerId'];
    if (typeof workerId !== 'string') return;
    const sessions = this.#sessions.get(workerId);
    if (sessions === undefined) return;
    // The router subscription is filtered to the offer event types.
    const push: OfferPush = { type: 'offer', workerId, event: event as OfferPush['event'] };
    for (const session of sessions.values()) session.pushes.send(push);
  }

  #remove(connection: Connection, workerId: string): Session | undefined {
    const sessions = this.#sessions.get(workerId);
    const session = sessions?.get(connection);
    sessions?.delete(connection);
    if (sessions?.size === 0) this.#sessions.delete(workerId);
    return session;
  }

  /** The last session to drop decides whether the worker is deregistered, after its own grace period. */
  #detach(connection: Connection, workerId: string): void {
    const session = this.#remove(connection, workerId);
    if (!session?.deregisterOnDisconnect || this.#sessions.has(workerId)) return;
    this.#cancelGrace(workerId);
    const timer = setTimeout(() => {
      this.#graceTimers.delete(workerId);
      void this.#deregister(workerId);
    }, session.graceMs);
    this.#graceTimers.set(workerId, timer);
  }

  #cancelGrace(workerId: string): void {
    clearTimeout(this.#graceTimers.get(workerId));
    this.#graceTimers.delete(workerId);
  }

  async #deregister(workerId: string): Promise<void> {
    try {
      // `If-Match: *` keeps a worker deleted meanwhile from being recreated by this upsert.
      await this.#router.upsertWorker(workerId, { availableForOffers: false }, { ifMatch: '*' });
    } catch (error) {
      if (!(error instanceof RouterError && error.code === 'PreconditionFailed'))
        this.#logError(`deregistering worker ${workerId} after its session dropped failed`, error);
    }
  }
}
