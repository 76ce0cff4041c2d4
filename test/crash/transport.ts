/**
 * One way to run an operation, over REST (real `fetch`) or the WebSocket (the typed client), with the answer sorted
 * into what it tells about the change: acknowledged, refused (not applied), or unknown (no answer came, as when the
 * server was killed mid-request: it may or may not have been applied).
 */
import { SwitchboardClient, SwitchboardError, type CallArgs, type CallResult, type OfferEvent } from '../../src/client/index.ts';
import { operationByName, type OperationName } from '../../src/operations/table.ts';
import { call } from '../e2e/support/rest-client.ts';
import { wsUrlOf } from '../e2e/support/ws-server.ts';

export type Outcome<T> =
  | { readonly kind: 'ok'; readonly result: T }
  | { readonly kind: 'refused'; readonly code: string }
  | { readonly kind: 'unknown'; readonly reason: string };

export interface Caller {
  readonly face: 'rest' | 'ws';
  call<N extends OperationName>(op: N, args: CallArgs<N>): Promise<Outcome<CallResult<N>>>;
  /**
   * WebSocket only: makes the connection a session of the worker, so its offer events arrive in `onOffer`; resolves
   * with the offers it already holds (none when the attach fails).
   */
  attachWorker?(workerId: string, onOffer: (event: OfferEvent) => void): Promise<ReadonlyArray<{ offerId: string; jobId: string }>>;
  close(): Promise<void>;
}

interface RestErrorBody {
  readonly communicationError?: { readonly code?: string; readonly details?: ReadonlyArray<{ readonly code?: string }> };
}

/** Runs operations over REST, building each request from the operations table's method and path. */
export function restCaller(baseUrl: string): Caller {
  return {
    face: 'rest',
    async call(op, args) {
      const operation = operationByName.get(op)!;
      const rest: Record<string, unknown> = { ...(args as Record<string, unknown>) };
      const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const value = rest[name];
        delete rest[name];
        return encodeURIComponent(String(value));
      });
      const hasBody = operation.method === 'PATCH' || operation.method === 'POST';
      const query = operation.method === 'GET' ? Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, String(value)])) : {};
      try {
        const reply = await call<unknown>(baseUrl, operation.method, path, { query, ...(hasBody ? { body: rest } : {}) });
        if (reply.status >= 200 && reply.status < 300) return { kind: 'ok', result: (reply.json ?? {}) as never };
        const error = (reply.json as RestErrorBody | undefined)?.communicationError;
        return { kind: 'refused', code: error?.details?.[0]?.code ?? error?.code ?? `HTTP ${reply.status}` };
      } catch (error) {
        return { kind: 'unknown', reason: String(error) };
      }
    },
    close: async () => undefined,
  };
}

/** Runs operations over one WebSocket connection. */
export async function wsCaller(baseUrl: string): Promise<Caller & { readonly client: SwitchboardClient }> {
  const client = await SwitchboardClient.connect(wsUrlOf(baseUrl));
  return {
    face: 'ws',
    client,
    attachWorker: (workerId, onOffer) =>
      client.attachWorker(workerId, onOffer).then(
        (attached) => attached.offers,
        () => [],
      ),
    async call(op, args) {
      try {
        return { kind: 'ok', result: await client.call(op, args) };
      } catch (error) {
        if (error instanceof SwitchboardError && error.code !== 'ConnectionClosed') return { kind: 'refused', code: error.code };
        return { kind: 'unknown', reason: String(error) };
      }
    },
    close: () => client.close(),
  };
}
