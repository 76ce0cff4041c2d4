import type { IncomingMessage, ServerResponse } from 'node:http';
import { shuttingDown } from '../shutting-down.ts';
import { sendErrorThenClose } from './responses.ts';

/**
 * The REST requests a server is answering, so that a shutdown can wait for them. Once {@link beginDrain} is called,
 * requests already received are answered as usual but with `Connection: close`, and requests that arrive after
 * (on connections kept alive) are refused with `ShuttingDown` (503) and `Connection: close`, unprocessed.
 */
export class RequestTracker {
  readonly #open = new Set<ServerResponse>();
  #draining = false;
  #whenIdle: Array<() => void> = [];

  /** Requests received and not yet answered in full. */
  get open(): number {
    return this.#open.size;
  }

  /** Runs `handler` for the request, or refuses it when a shutdown has begun; either way it is tracked until answered. */
  handle(request: IncomingMessage, response: ServerResponse, handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>): void {
    this.#open.add(response);
    // 'close' fires once the answer is written out, or the connection died first: either way, nothing more to wait for.
    response.once('close', () => {
      this.#open.delete(response);
      if (this.#open.size === 0) for (const resolve of this.#whenIdle.splice(0)) resolve();
    });
    if (this.#draining) return sendErrorThenClose(request, response, shuttingDown());
    void handler(request, response);
  }

  /** Whether a shutdown has begun. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Starts refusing new requests and marks every answer still to come as the connection's last. */
  beginDrain(): void {
    this.#draining = true;
    for (const response of this.#open) if (!response.headersSent) response.setHeader('connection', 'close');
  }

  /** Resolves once no request is open. */
  idle(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenIdle.push(resolve));
  }
}
