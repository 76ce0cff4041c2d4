import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface Received {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The parsed body, when it is JSON. */
  readonly json: unknown;
}

/** How the receiver answers one request: a status (default 200), after a delay, with headers and a body. */
export interface Reply {
  readonly status?: number;
  readonly delayMs?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * A real HTTP endpoint on a random loopback port, standing for a team's event handler: it records every request
 * and answers as the test scripts it. By default it passes both validation handshakes (Event Grid's and
 * CloudEvents') and answers deliveries 200.
 */
export interface WebhookReceiver {
  readonly url: string;
  readonly received: Received[];
  /** Deliveries only: requests that are neither validation event nor `OPTIONS`. */
  deliveries(): Received[];
  /** Replaces how deliveries are answered; `reply` sees how many deliveries came before. */
  answerWith(reply: (index: number, request: Received) => Reply): void;
  /** Resolves once at least `count` deliveries have arrived. */
  waitForDeliveries(count: number, timeoutMs?: number): Promise<Received[]>;
  /** Stops listening (the port stays known: {@link start} listens on it again). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

function isValidation(request: Received): boolean {
  return request.method === 'OPTIONS' || request.headers['aeg-event-type'] === 'SubscriptionValidation';
}

/** Starts a receiver; `port` to listen on a known one (a receiver that comes back after being down). */
export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  const received: Received[] = [];
  let reply: (index: number, request: Received) => Reply = () => ({});
  let deliveries = 0;
  const waiters: Array<() => void> = [];
  let server: Server;

  const listen = async (on: number) => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        let json: unknown;
        try {
          json = body ? JSON.parse(body) : undefined;
        } catch {
          json = undefined;
        }
        const request: Received = { method: req.method ?? '', headers: req.headers, body, json };
        received.push(request);
        if (request.method === 'OPTIONS') {
          res.writeHead(200, { 'webhook-allowed-origin': String(req.headers['webhook-request-origin']) }).end();
          return;
        }
        if (isValidation(request)) {
          const code = (json as Array<{ data: { validationCode: string } }>)[0]!.data.validationCode;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ validationResponse: code }));
          return;
        }
        const answer = reply(deliveries++, request);
        for (const wake of waiters.splice(0)) wake();
        setTimeout(() => {
          if (!res.destroyed) res.writeHead(answer.status ?? 200, answer.headers).end(answer.body ?? '');
        }, answer.delayMs ?? 0);
      });
    });
    server.keepAliveTimeout = 1000;
    server.listen(on, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  };

  const bound = await listen(port);
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${bound}/events`,
    received,
    deliveries: () => received.filter((request) => !isValidation(request)),
    answerWith: (next) => {
      reply = next;
    },
    async waitForDeliveries(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (receiver.deliveries().length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} deliveries, got ${receiver.deliveries().length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return receiver.deliveries();
    },
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
    start: async () => {
      await listen(bound);
    },
  };
  return receiver;
}
