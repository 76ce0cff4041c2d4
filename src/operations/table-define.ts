import { z } from 'zod';
import type { OperationAccess } from '../auth/authorize.ts';
import type { Engine, Versioned } from '../engine/engine.ts';
import { ResourceIdSchema } from '../protocol/common.schemas.ts';
import type { Webhooks } from '../webhooks/webhooks.ts';
import type { Preconditions } from './preconditions.ts';

/**
 * The building blocks of the operations table: the shape of one entry and one helper per kind of operation (a
 * resource's upsert/get/delete/list are in `table-resource.ts`), so an entry states only what is particular to it:
 * name, path, schemas and `run`, the operation function it calls. `run`'s parameters after the services are the
 * positional parameters of the Router method of the same name (`src/router.ts` installs one per entry); a face's flat
 * arguments reach them as the path parameters in template order, then the rest (an upsert's body and preconditions, a
 * list's request, an action's options).
 */

/** What an operation does to its resource; the faces derive status codes and headers from it. */
export type OperationKind = 'upsert' | 'get' | 'delete' | 'list' | 'action';

/** HTTP method of an operation's REST form. */
export type HttpMethod = 'GET' | 'PATCH' | 'DELETE' | 'POST';

/** What a face knows about a request besides its arguments. */
export interface InvocationContext {
  /**
   * Preconditions of an upsert. REST passes its `If-Match` / `If-Unmodified-Since` headers here (possibly
   * empty); when this is absent, the upsert takes `args.ifMatch` / `args.ifUnmodifiedSince` instead (WebSocket).
   */
  readonly preconditions?: Preconditions | undefined;
  /** The server's access key, which signs worker tokens; absent when the server runs without one. */
  readonly accessKey?: string | undefined;
}

/** The outcome of an operation, with what REST turns into status and headers. */
export interface Invocation<R> {
  readonly result: R;
  /** Upserts: whether the resource was created (201) rather than updated (200). */
  readonly created?: boolean | undefined;
  /** Upserts and gets of a resource: its etag, quoted as sent in `ETag`. */
  readonly etag?: string | undefined;
  /** Upserts and gets of a resource: when the version carrying `etag` was written, epoch ms. */
  readonly lastModified?: number | undefined;
}

/**
 * One operation of the table.
 *
 * `args` is one flat object: path parameters, the query parameters of lists, and the body fields. Faces validate
 * with `args` (see `Router.invoke`) and then call `invoke` with the parsed value.
 */
export interface Operation<N extends string = string, A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  /** Azure's operation name; also the WebSocket `op`. */
  readonly name: N;
  readonly kind: OperationKind;
  readonly method: HttpMethod;
  /** Azure's path template, e.g. `/routing/jobs/{jobId}:cancel`. */
  readonly path: string;
  /** One line for the reference docs. */
  readonly summary: string;
  /** True for operations Azure does not have. */
  readonly extension: boolean;
  /** Who may perform it: the admin only, or also a worker token on its own worker (the gateways enforce it). */
  readonly access: OperationAccess;
  readonly args: A;
  readonly result: R;
  /** Runs the operation on validated arguments; faces call it through `Router.invoke`, which validates first. */
  invoke(services: OperationServices, args: z.output<A>, context: InvocationContext): Promise<Invocation<z.output<R>>>;
}

/**
 * What an operation works with: one router's engine and event subscriptions. `Router` holds them and hands them
 * to the table; nothing else does.
 */
export interface OperationServices {
  readonly engine: Engine;
  readonly webhooks: Webhooks;
}

export const ifMatchField = { ifMatch: z.string().max(4096).optional(), ifUnmodifiedSince: z.string().max(64).optional() };

/** The names of a path template's `{parameters}`, as a union: `'jobId' | 'assignmentId'`. */
export type PathParams<T extends string> = T extends `${string}{${infer P}}${infer Rest}` ? P | PathParams<Rest> : never;

function paramNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
}

/** The schema of a template's path parameters: every `{name}` is a resource id. */
export function pathShape<T extends string>(path: T): Record<PathParams<T>, typeof ResourceIdSchema> {
  return Object.fromEntries(paramNames(path).map((name) => [name, ResourceIdSchema])) as Record<PathParams<T>, typeof ResourceIdSchema>;
}

/** The id parameter of a resource path: its last `{parameter}`. */
export function idParamOf(path: string): string {
  const id = paramNames(path).at(-1);
  if (id === undefined) throw new Error(`operations table: ${path} has no id parameter`);
  return id;
}

/**
 * Etag and modification time of the representation returned. When the store already holds a later version (a job
 * created is queued in the same commit, but answered as created), that version's time would be too late for the
 * representation and let a stale `If-Unmodified-Since` pass; the time the invocation started is a safe lower bound.
 */
export function versionOf(version: Versioned | undefined, etag: string, startedAt: number): Pick<Invocation<unknown>, 'etag' | 'lastModified'> {
  return { etag, lastModified: version?.etag === etag ? version.lastModified : startedAt };
}

/**
 * Reads a string argument. The helpers below are generic in the parameter name, which zod's inferred types cannot
 * index, so they read validated arguments through this instead.
 */
export function stringArg(args: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads a path parameter; its schema requires it, so absence is a bug in the table. */
export function idArg(args: Readonly<Record<string, unknown>>, name: string): string {
  const value = stringArg(args, name);
  if (value === undefined) throw new Error(`operations table: missing path parameter ${name}`);
  return value;
}

/** Looks up the stored version of a resource by id. */
export type VersionLookup = (services: OperationServices, id: string) => Versioned | undefined;

export type ResourceSchema = z.ZodType<{ etag: string }>;

/** The path parameters of a template, in order: one `string` per `{parameter}`. */
export type PathArgs<T extends string> = T extends `${string}{${string}}${infer Rest}` ? [string, ...PathArgs<Rest>] : [];

/** A read answers at once or later; the Router's method answers with a promise either way. */
export type Answer<T> = T | Promise<T>;

/** What a row's `run` is, for any row: the services, then its positional parameters. */
export type AnyRun = (services: OperationServices, ...params: never) => unknown;

/**
 * Calls a row's `run` with its positional parameters. The helper that built the row checked `run`'s type against
 * its path, options and result; here, generic over every row, that type is no longer known.
 */
export function callRun<T>(run: AnyRun, services: OperationServices, params: readonly unknown[]): Answer<T> {
  return (run as (services: OperationServices, ...params: readonly unknown[]) => Answer<T>)(services, ...params);
}

/** Reads the path parameters of `path` out of validated arguments, in template order: `run`'s first parameters. */
export function pathArgs(path: string, args: Readonly<Record<string, unknown>>): string[] {
  return paramNames(path).map((name) => idArg(args, name));
}

/** The arguments that are not path parameters (nor `also`): an action's options, a list's request. */
export function restArgs(path: string, args: Readonly<Record<string, unknown>>, also: readonly string[] = []): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...args };
  for (const key of [...paramNames(path), ...also]) delete rest[key];
  return rest;
}

/** The `run` of an action: its path parameters in template order, then its options. */
type ActionRun<T extends string, O extends z.ZodRawShape, R extends z.ZodType> = (
  services: OperationServices,
  ...params: [...PathArgs<T>, options: z.output<z.ZodObject<O>>]
) => Answer<z.output<R>>;

interface ActionSpec<N extends string, T extends string, O extends z.ZodRawShape, R extends z.ZodType> extends EntrySpec<N, T> {
  readonly method: 'POST' | 'GET';
  readonly options: z.ZodObject<O>;
  readonly result: R;
}

/** What an entry's spec names the same way for every kind of operation. */
export interface EntrySpec<N extends string, T extends string> {
  readonly name: N;
  readonly path: T;
  /** One line for the reference docs. */
  readonly summary: string;
  /** True for operations Azure does not have. */
  readonly extension?: boolean | undefined;
  /** Default `admin`. */
  readonly access?: OperationAccess | undefined;
}

/** The fields every entry states alike: name, kind, method, path, summary, and `extension` and `access` defaulted. */
export function entryFields<const N extends string, const T extends string>(spec: EntrySpec<N, T>, kind: OperationKind, method: HttpMethod) {
  const access: OperationAccess = spec.access ?? 'admin';
  return { name: spec.name, kind, method, path: spec.path, summary: spec.summary, extension: spec.extension ?? false, access };
}

/** The table fields of an action: `POST …:verb` with the options as body, or a `GET` of something derived. */
function actionFields<const N extends string, const T extends string, O extends z.ZodRawShape, R extends z.ZodType>(spec: ActionSpec<N, T, O, R>) {
  return {
    ...entryFields(spec, spec.method === 'GET' ? 'get' : 'action', spec.method),
    args: z.object({ ...pathShape(spec.path), ...spec.options.shape }),
    result: spec.result,
  };
}

/**
 * A command or query on a resource that is not create/read/delete (cancel, accept, position, statistics).
 * `run` takes the path parameters in template order, then the options; an action that takes no options may stop
 * after the path parameters.
 */
export function actionOperation<
  const N extends string,
  const T extends string,
  O extends z.ZodRawShape,
  R extends z.ZodType,
  F extends ActionRun<T, O, R>,
>(spec: ActionSpec<N, T, O, R> & { readonly run: F }) {
  const entry = routedOperation({
    ...actionFields(spec),
    run: spec.run,
    async invoke(services, args): Promise<Invocation<z.output<R>>> {
      const params = [...pathArgs(spec.path, args), restArgs(spec.path, args)];
      return { result: await callRun<z.output<R>>(entry.run, services, params) };
    },
  });
  return entry;
}

/**
 * An action only the network faces offer, because it needs what only they know (the access key that signs worker
 * tokens): it has no `run`, so the Router has no method for it.
 */
export function faceOnlyAction<const N extends string, const T extends string, O extends z.ZodRawShape, R extends z.ZodType>(
  spec: ActionSpec<N, T, O, R> & {
    readonly answer: (
      services: OperationServices,
      args: z.output<z.ZodObject<Record<PathParams<T>, typeof ResourceIdSchema> & O>>,
      context: InvocationContext,
    ) => Promise<z.output<R>>;
  },
) {
  return operation({
    ...actionFields(spec),
    async invoke(services, args, context) {
      return { result: await spec.answer(services, args, context) };
    },
  });
}

/** Identity with inference: fixes an entry's generic parameters from its literal. */
function operation<const N extends string, A extends z.ZodType, R extends z.ZodType>(spec: Operation<N, A, R>): Operation<N, A, R> {
  return spec;
}

/** The same for an entry the Router has a method for, keeping its `run`'s own type. */
export function routedOperation<const N extends string, A extends z.ZodType, R extends z.ZodType, F extends AnyRun>(
  spec: Operation<N, A, R> & { readonly run: F },
): Operation<N, A, R> & { readonly run: F } {
  return spec;
}
