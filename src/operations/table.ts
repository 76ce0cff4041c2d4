import type { z } from 'zod';
import { invalidRequestFrom } from '../errors.ts';
import type { Router } from '../router.ts';
import { adminOperations } from './table-admin.ts';
import type { Invocation, InvocationContext, Operation } from './table-define.ts';
import { jobOperations } from './table-jobs.ts';
import { webhookOperations } from './table-webhooks.ts';
import { workerOperations } from './table-workers.ts';

export type { HttpMethod, Invocation, InvocationContext, Operation, OperationKind } from './table-define.ts';

/**
 * The operations table: every operation once, under Azure's name, with its argument and result schemas and its
 * REST method and path. REST, WebSocket and the typed client are faces over this table; none holds routing logic.
 */
export const operations = [...adminOperations, ...jobOperations, ...workerOperations, ...webhookOperations] as const;

type AnyEntry = (typeof operations)[number];

/** Every operation name: `upsertJob`, `acceptJobOffer`, … */
export type OperationName = AnyEntry['name'];

/** Operation name → its argument type (what a caller sends) and result type (what it gets back). */
export type OperationTypes = {
  [E in AnyEntry as E['name']]: { args: z.input<E['args']>; result: z.output<E['result']> };
};

/** What a caller sends to operation `N`: path parameters, list query parameters and body fields in one object. */
export type OperationArgs<N extends OperationName> = OperationTypes[N]['args'];

/** What operation `N` returns. */
export type OperationResult<N extends OperationName> = OperationTypes[N]['result'];

/** The table by name, for faces that dispatch on a name (the WebSocket `op`). */
export const operationByName: ReadonlyMap<string, Operation> = new Map(operations.map((entry) => [entry.name, entry]));

/**
 * Validates raw arguments against an operation's schema and invokes it: the one way a face runs an operation, so
 * every face validates identically.
 *
 * @throws RouterError `InvalidRequest` naming the offending argument, or whatever the Router refuses with
 */
export async function invokeOperation(
  operation: Operation,
  router: Router,
  rawArgs: unknown,
  context: InvocationContext,
): Promise<Invocation<unknown>> {
  const parsed = operation.args.safeParse(rawArgs);
  if (!parsed.success) throw invalidRequestFrom(parsed.error);
  return operation.invoke(router, parsed.data, context);
}
