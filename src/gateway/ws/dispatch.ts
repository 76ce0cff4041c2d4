import type { RawData } from 'ws';
import type { z } from 'zod';
import { RouterError, invalidRequestFrom } from '../../errors.ts';
import { operationByName } from '../../operations/table.ts';
import { accessOf } from '../operation-access.ts';
import type { Router } from '../../router.ts';
import { requireAuthorized } from '../../auth/authorize.ts';
import { shuttingDown } from '../shutting-down.ts';
import type { RateLimiter } from '../rate-limit.ts';
import type { Connection } from './connection.ts';
import { gatewayOperations, RequestIdSchema, WsRequestSchema, type RequestId } from './messages.schemas.ts';
import { subscribe, unsubscribe, type GatewayAnswer } from './subscriptions.ts';
import type { WorkerSessions } from './worker-sessions.ts';

/** What the dispatcher needs from the gateway. */
export interface DispatchContext {
  readonly router: Router;
  readonly sessions: WorkerSessions;
  /** Charges each request to its client's budget; absent = no limit. */
  readonly rateLimiter?: RateLimiter | undefined;
  /** Passed to operations that sign worker tokens. */
  readonly accessKey: string | undefined;
  /** Where faults that are not the client's are reported. */
  readonly logError: (message: string, error: unknown) => void;
}

/** Longest part of a client's op name quoted back in an error message. */
const QUOTED_OP_LENGTH = 64;

/**
 * Deepest nesting of objects and arrays accepted in a message. Real arguments nest a dozen levels at most; a hostile
 * message nested thousands deep would otherwise reach recursive code (merge patch, serialization) and exhaust the
 * stack.
 */
export const MAX_NESTING_DEPTH = 64;

/**
 * Handles one incoming message: charges it to the client's budget (whatever it holds: a flood of malformed messages
 * costs as much as one of requests), parses and validates the envelope, authorizes, runs the operation and sends
 * exactly one answer. A message that arrived during a shutdown is answered `ShuttingDown`, unprocessed. Nothing a
 * client sends makes it throw; a fault that is not the client's is answered `InternalError`.
 */
export async function dispatch(context: DispatchContext, connection: Connection, data: RawData, arrivedDuringShutdown = false): Promise<void> {
  let raw: unknown;
  let json = true;
  try {
    raw = JSON.parse(data.toString());
  } catch {
    json = false;
  }
  const refuse = (error: RouterError, id = echoableId(raw)) => connection.send({ id, ok: false, error: error.toBody() });
  if (arrivedDuringShutdown) return refuse(shuttingDown());
  const taken = context.rateLimiter?.take(connection.rateKey);
  if (taken && !taken.ok) {
    refuse(new RouterError('ThrottleLimitExceeded', `too many requests; retry after ${Math.ceil(taken.retryAfterMs)} ms`));
    return connection.throttled();
  }
  connection.withinBudget();
  if (!json) return refuse(new RouterError('InvalidJson', 'the message is not valid JSON'), null);
  if (nestedDeeperThan(raw, MAX_NESTING_DEPTH))
    return refuse(new RouterError('InvalidRequest', `the message nests deeper than ${MAX_NESTING_DEPTH} levels`, 'args'));
  const envelope = WsRequestSchema.safeParse(raw);
  if (!envelope.success) return refuse(invalidRequestFrom(envelope.error));
  const { id, op, args } = envelope.data;
  try {
    const answer = await run(context, connection, op, args);
    connection.send({ id, ok: true, result: answer.result });
    answer.afterAnswer?.();
  } catch (error) {
    refuse(refusal(context, error), id);
  }
}

async function run(
  context: DispatchContext,
  connection: Connection,
  op: string,
  args: Record<string, unknown>,
): Promise<GatewayAnswer<unknown>> {
  const handler = handlerOf(context, connection, op);
  if (handler === undefined)
    throw new RouterError('RouteNotFound', `no operation named ${op.slice(0, QUOTED_OP_LENGTH)}`, 'op');
  // Before validation, so a worker token learns nothing about operations it may not use.
  requireAuthorized(connection.principal, { name: op, access: accessOf(op) }, args);
  return handler(args);
}

type Handler = (args: Record<string, unknown>) => GatewayAnswer<unknown> | Promise<GatewayAnswer<unknown>>;

/** The gateway's own operations first, then the operations table. */
function handlerOf(context: DispatchContext, connection: Connection, op: string): Handler | undefined {
  switch (op) {
    case 'subscribe':
      return (args) => subscribe(context.router, connection, parse(gatewayOperations.subscribe.args, args));
    case 'unsubscribe':
      return (args) => unsubscribe(connection, parse(gatewayOperations.unsubscribe.args, args).subscriptionId);
    case 'attachWorker':
      return (args) => context.sessions.attach(connection, parse(gatewayOperations.attachWorker.args, args));
  }
  const operation = operationByName.get(op);
  return (
    operation &&
    (async (args) => {
      const { result } = await context.router.invoke(operation, args, { accessKey: context.accessKey });
      return { result };
    })
  );
}

function parse<S extends z.ZodType>(schema: S, args: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(args);
  if (!parsed.success) throw invalidRequestFrom(parsed.error);
  return parsed.data;
}

function refusal(context: DispatchContext, error: unknown): RouterError {
  if (error instanceof RouterError) return error;
  context.logError('WebSocket operation failed', error);
  return new RouterError('InternalError', 'internal error');
}

/** The request's id when it is readable even though the envelope as a whole is not. */
function echoableId(raw: unknown): RequestId | null {
  if (typeof raw !== 'object' || raw === null || !Object.hasOwn(raw, 'id')) return null;
  const id = RequestIdSchema.safeParse((raw as { id: unknown }).id);
  return id.success ? id.data : null;
}

/** Walks without recursion, so the check itself cannot overflow the stack. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const next = values.pop();
    const depth = depths.pop()!;
    if (typeof next !== 'object' || next === null) continue;
    if (depth === limit) return true;
    for (const child of Object.values(next)) {
      values.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}
