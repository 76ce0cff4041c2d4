import type { z } from 'zod';
import { adminOperations } from './table-admin.ts';
import type { AnyRun, Operation, OperationServices } from './table-define.ts';
import { jobOperations } from './table-jobs.ts';
import { webhookOperations } from './table-webhooks.ts';
import { workerOperations } from './table-workers.ts';

export type { HttpMethod, Invocation, InvocationContext, Operation, OperationKind, OperationServices } from './table-define.ts';
export { callRun } from './table-define.ts';

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

/** An entry the Router has a method for: one with a `run`. */
type RoutedEntry = Extract<AnyEntry, { readonly run: AnyRun }>;

/** A row's `run` as a Router method: the same parameters after the services, answering with a promise. */
type MethodOf<F> = F extends (services: OperationServices, ...params: infer P) => infer A ? (...params: P) => Promise<Awaited<A>> : never;

/**
 * The Router's operation methods, one per entry with a `run`, under the entry's name: `upsertJob(jobId, body,
 * conditions?)`, `completeJob(jobId, assignmentId, options?)`, … `src/router.ts` installs them from the table.
 */
export type OperationMethods = { [E in RoutedEntry as E['name']]: MethodOf<E['run']> };

/** The entries the Router has a method for, with their name. */
export const routedOperations: ReadonlyArray<Operation & { readonly run: AnyRun }> = operations.filter(
  (entry): entry is RoutedEntry => 'run' in entry,
);
