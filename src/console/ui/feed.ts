/**
 * The console's WebSocket: requests answered by id, and the pushes of its subscriptions (the events stream and the
 * transitions stream) routed by subscription id. Authenticated as REST is: `?access_token=` carries the key, since
 * a browser cannot set headers on a WebSocket.
 */
import { accessKey, ApiError, routerBase } from './api.ts';
import type { Push, PushSubscriber, RouterEvent } from './stream-types.ts';

export type { ActorKind, ActorState, RouterEvent, Transition, TransitionHandlers } from './stream-types.ts';

type Answer = { id: number; ok: boolean; result?: unknown; error?: { code: string; message: string } };

export class Feed implements PushSubscriber {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();
  readonly #subscriptions = new Map<string, (push: Push) => void>();
  readonly #closeListeners = new Set<() => void>();
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (message) => this.#receive(String(message.data)));
    socket.addEventListener('close', () => {
      for (const pending of this.#pending.values()) pending.reject(new ApiError(0, 'ConnectionClosed', 'the connection closed'));
      this.#pending.clear();
      for (const listener of this.#closeListeners) listener();
    });
  }

  /** Opens the console's connection to its router's `/ws` on this origin. */
  static connect(): Promise<Feed> {
    const url = new URL(`${routerBase()}/ws`, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const key = accessKey();
    if (key !== undefined) url.searchParams.set('access_token', key);
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(new Feed(socket)), { once: true });
      socket.addEventListener('error', () => reject(new Error('the WebSocket connection failed')), { once: true });
    });
  }

  get open(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  onClose(listener: () => void): void {
    this.#closeListeners.add(listener);
  }

  close(): void {
    this.#socket.close(1000);
  }

  /** One request; rejects with the server's code as an {@link ApiError}. */
  request<T>(op: string, args: Record<string, unknown>): Promise<T> {
    const id = this.#nextId++;
    this.#socket.send(JSON.stringify({ id, op, args }));
    return new Promise<T>((resolve, reject) => this.#pending.set(id, { resolve: resolve as (result: unknown) => void, reject }));
  }

  /** Subscribes to a stream; `onPush` gets every push of the subscription. Resolves to the unsubscribe. */
  async subscribe(args: Record<string, unknown>, onPush: (push: Push) => void): Promise<() => void> {
    // Pushes come only after the answer that names the subscription, so the handler is in place before any.
    const { subscriptionId } = await this.request<{ subscriptionId: string }>('subscribe', args);
    this.#subscriptions.set(subscriptionId, onPush);
    return () => {
      if (!this.#subscriptions.delete(subscriptionId) || !this.open) return;
      this.request('unsubscribe', { subscriptionId }).catch(() => undefined);
    };
  }

  /** The events stream, filtered, replayed from `fromSequence` when given. */
  subscribeEvents(filter: Record<string, unknown>, onEvent: (event: RouterEvent) => void, fromSequence?: number): Promise<() => void> {
    return this.subscribe({ ...filter, ...(fromSequence === undefined ? {} : { fromSequence }) }, (push) => {
      if (push.type === 'event') onEvent(push['event'] as RouterEvent);
    });
  }

  #receive(text: string): void {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if ('ok' in parsed) {
      const message = parsed as unknown as Answer;
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new ApiError(0, message.error?.code ?? 'Unknown', message.error?.message ?? 'refused'));
      return;
    }
    const push = parsed as Push;
    this.#subscriptions.get(push.subscriptionId)?.(push);
  }
}
