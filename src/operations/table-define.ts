import { z } from 'zod';
import type { OperationAccess } from '../auth/authorize.ts';
import type { Versioned } from '../engine/engine.ts';
import { EmptyResultSchema } from '../protocol/actions.schemas.ts';
import { ResourceIdSchema } from '../protocol/common.schemas.ts';
import type { Router } from '../router.ts';
import { MAX_PAGE_SIZE, type Page } from './paging.ts';
import type { Preconditions } from './preconditions.ts';

/**
 * The building blocks of the operations table: the shape of one entry, one helper per kind of operation and one for
 * a resource's upsert/get/delete/list, so an entry states only what is particular to it (name, path, schemas, which
 * Router method to call).
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
 * with `args` (see `invokeOperation`) and then call `invoke` with the parsed value.
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
  invoke(router: Router, args: z.output<A>, context: InvocationContext): Promise<Invocation<z.output<R>>>;
}

const ifMatchField = { ifMatch: z.string().max(4096).optional(), ifUnmodifiedSince: z.string().max(64).optional() };

/** The names of a path template's `{parameters}`, as a union: `'jobId' | 'assignmentId'`. */
export type PathParams<T extends string> = T extends `${string}{${infer P}}${infer Rest}` ? P | PathParams<Rest> : never;

function paramNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
}

/** The schema of a template's path parameters: every `{name}` is a resource id. */
function pathShape<T extends string>(path: T): Record<PathParams<T>, typeof ResourceIdSchema> {
  return Object.fromEntries(paramNames(path).map((name) => [name, ResourceIdSchema])) as Record<PathParams<T>, typeof ResourceIdSchema>;
}

/** The id parameter of a resource path: its last `{parameter}`. */
function idParamOf(path: string): string {
  const id = paramNames(path).at(-1);
  if (id === undefined) throw new Error(`operations table: ${path} has no id parameter`);
  return id;
}

/**
 * Etag and modification time of the representation returned. When the store already holds a later version (a job
 * created is queued in the same commit, but answered as created), that version's time would be too late for the
 * representation and let a stale `If-Unmodified-Since` pass; the time the invocation started is a safe lower bound.
 */
function versionOf(version: Versioned | undefined, etag: string, startedAt: number): Pick<Invocation<unknown>, 'etag' | 'lastModified'> {
  return { etag, lastModified: version?.etag === etag ? version.lastModified : startedAt };
}

/**
 * Reads a string argument. The helpers below are generic in the parameter name, which zod's inferred types cannot
 * index, so they read validated arguments through this instead.
 */
function stringArg(args: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads a path parameter; its schema requires it, so absence is a bug in the table. */
function idArg(args: Readonly<Record<string, unknown>>, name: string): string {
  const value = stringArg(args, name);
  if (value === undefined) throw new Error(`operations table: missing path parameter ${name}`);
  return value;
}

/** Looks up the stored version of a resource by id. */
export type VersionLookup = (router: Router, id: string) => Versioned | undefined;

type ResourceSchema = z.ZodType<{ etag: string }>;

interface ResourceSpec<N extends string, T extends string, R extends ResourceSchema> {
  readonly name: N;
  /** A resource path; its last parameter is the id. */
  readonly path: T;
  readonly resource: R;
  readonly summary: string;
  readonly version: VersionLookup;
  /** True for operations Azure does not have. */
  readonly extension?: boolean | undefined;
  /** Default `admin`. */
  readonly access?: OperationAccess | undefined;
}

/** Create-or-update by merge patch. The patch is passed through to the Router, which validates it. */
function upsertOperation<const N extends string, const T extends string, R extends ResourceSchema>(
  spec: ResourceSpec<N, T, R> & {
    readonly upsert: (
      router: Router,
      id: string,
      patch: Record<string, unknown>,
      conditions: Preconditions,
    ) => Promise<{ readonly resource: z.output<R>; readonly created: boolean }>;
  },
) {
  const idParam = idParamOf(spec.path);
  return operation({
    name: spec.name,
    kind: 'upsert',
    method: 'PATCH',
    path: spec.path,
    summary: spec.summary,
    extension: spec.extension ?? false,
    access: spec.access ?? 'admin',
    args: z.looseObject({ ...pathShape(spec.path), ...ifMatchField }),
    result: spec.resource,
    async invoke(router, args, context) {
      const patch: Record<string, unknown> = { ...args };
      for (const key of [idParam, 'ifMatch', 'ifUnmodifiedSince']) delete patch[key];
      const conditions = context.preconditions ?? {
        ifMatch: stringArg(args, 'ifMatch'),
        ifUnmodifiedSince: stringArg(args, 'ifUnmodifiedSince'),
      };
      const id = idArg(args, idParam);
      const startedAt = router.now();
      const { resource, created } = await spec.upsert(router, id, patch, conditions);
      return { result: resource, created, ...versionOf(spec.version(router, id), resource.etag, startedAt) };
    },
  });
}

/** Reads one resource, with its version. */
function getOperation<const N extends string, const T extends string, R extends ResourceSchema>(
  spec: ResourceSpec<N, T, R> & { readonly get: (router: Router, id: string) => Promise<z.output<R>> },
) {
  const idParam = idParamOf(spec.path);
  return operation({
    name: spec.name,
    kind: 'get',
    method: 'GET',
    path: spec.path,
    summary: spec.summary,
    extension: spec.extension ?? false,
    access: spec.access ?? 'admin',
    args: z.object(pathShape(spec.path)),
    result: spec.resource,
    async invoke(router, args) {
      const id = idArg(args, idParam);
      const startedAt = router.now();
      const resource = await spec.get(router, id);
      return { result: resource, ...versionOf(spec.version(router, id), resource.etag, startedAt) };
    },
  });
}

/**
 * Deletes one resource; the result is `{}` (REST answers 204 with no body). A resource nested under another gets
 * every path parameter, its own id last.
 */
export function deleteOperation<const N extends string, const T extends string>(spec: {
  readonly name: N;
  readonly path: T;
  readonly summary: string;
  readonly extension?: boolean | undefined;
  /** Default `admin`. */
  readonly access?: OperationAccess | undefined;
  readonly delete: (router: Router, id: string, params: Record<PathParams<T>, string>) => Promise<void>;
}) {
  const idParam = idParamOf(spec.path);
  return operation({
    name: spec.name,
    kind: 'delete',
    method: 'DELETE',
    path: spec.path,
    summary: spec.summary,
    extension: spec.extension ?? false,
    access: spec.access ?? 'admin',
    args: z.object(pathShape(spec.path)),
    result: EmptyResultSchema,
    async invoke(router, args) {
      await spec.delete(router, idArg(args, idParam), args as Record<PathParams<T>, string>);
      return { result: {} };
    },
  });
}

/** A page size: a number, or its decimal spelling as a query string carries it. */
const PageSizeSchema = z
  .union([z.number(), z.string().regex(/^\d{1,9}$/, 'must be an integer').transform(Number)])
  .pipe(z.number().int().min(1).max(MAX_PAGE_SIZE));

/** The paging arguments every list takes. */
const pagingShape = {
  maxpagesize: PageSizeSchema.optional(),
  pageToken: z.string().max(256).optional(),
};

/** `{ value, nextPageToken? }`: what a list operation returns. REST renders the token as `nextLink`. */
export function listResultOf<T extends z.ZodType>(item: T) {
  return z.object({ value: z.array(item), nextPageToken: z.string().optional() });
}

/** What a list with query parameters `F` asks of the Router: those parameters and the paging arguments, parsed. */
type ListRequest<F extends z.ZodRawShape> = z.output<z.ZodObject<F & typeof pagingShape>>;

/**
 * One page of a list, filtered by the query parameters in `filters`. A list nested under a resource
 * (`/routing/…/{id}/items`) gets that resource's id among its arguments.
 */
export function listOperation<const N extends string, const T extends string, F extends z.ZodRawShape, I extends z.ZodType>(spec: {
  readonly name: N;
  readonly path: T;
  readonly summary: string;
  readonly extension?: boolean | undefined;
  /** Default `admin`. */
  readonly access?: OperationAccess | undefined;
  readonly filters: F;
  readonly item: I;
  readonly list: (router: Router, request: ListRequest<F> & Record<PathParams<T>, string>) => Promise<Page<z.output<I>>>;
}) {
  return operation({
    name: spec.name,
    kind: 'list',
    method: 'GET',
    path: spec.path,
    summary: spec.summary,
    extension: spec.extension ?? false,
    access: spec.access ?? 'admin',
    args: z.object({ ...pathShape(spec.path), ...spec.filters, ...pagingShape }),
    result: listResultOf(spec.item),
    async invoke(router, args) {
      return { result: await spec.list(router, args as ListRequest<F> & Record<PathParams<T>, string>) };
    },
  });
}

/** The types of the Router's methods for a resource of type `T` whose list takes query parameters `F`. */
interface ResourceMethodTypes<T, F extends z.ZodRawShape> {
  readonly upsert: (
    id: string,
    patch: Record<string, unknown>,
    conditions: Preconditions,
  ) => Promise<{ readonly resource: T; readonly created: boolean }>;
  readonly get: (id: string) => Promise<T>;
  readonly delete: (id: string) => Promise<void>;
  readonly list: (request: ListRequest<F>) => Promise<Page<T>>;
}

/**
 * The Router's methods for a resource, named as Azure names its operations: for `Queue` / `Queues`, `upsertQueue`,
 * `getQueue`, `deleteQueue` and `listQueues`.
 */
type ResourceMethods<S extends string, P extends string, T, F extends z.ZodRawShape> = Record<
  `upsert${S}`,
  ResourceMethodTypes<T, F>['upsert']
> &
  Record<`get${S}`, ResourceMethodTypes<T, F>['get']> &
  Record<`delete${S}`, ResourceMethodTypes<T, F>['delete']> &
  Record<`list${P}`, ResourceMethodTypes<T, F>['list']>;

/**
 * Nothing to add when the Router has the methods `M`; otherwise a property no spec can supply, so that a name
 * without its Router method (or with one of another type) fails to compile at the table entry.
 */
type RouterHas<M> = Router extends M ? unknown : { readonly routerLacksTheseMethods: M };

interface ResourceOperationsSpec<S extends string, P extends string, C extends string, I extends string, R, F> {
  /** The resource in operation names: `upsert${singular}`, `get${singular}`, `delete${singular}`. */
  readonly singular: S;
  /** The resource in the list's name: `list${plural}`. */
  readonly plural: P;
  /** The collection's path segment: the list is at `/routing/${collection}`, one resource at `…/{${idParam}}`. */
  readonly collection: C;
  readonly idParam: I;
  readonly resource: R;
  readonly version: VersionLookup;
  /** The list's query parameters besides paging. */
  readonly filters: F;
  /** One line each for the reference docs. */
  readonly summaries: { readonly upsert: string; readonly get: string; readonly delete: string; readonly list: string };
  /** True for a resource Azure does not have. */
  readonly extension?: boolean | undefined;
  /** Who may perform each of the four operations; `admin` for those not named. */
  readonly access?: Partial<Record<'upsert' | 'get' | 'delete' | 'list', OperationAccess>> | undefined;
}

/**
 * A resource's upsert, get, delete and list, in that order, each calling the Router method of its own name. The
 * names and paths are template literal types, so the table keeps every operation's literal name and parameters.
 */
export function resourceOperations<
  const S extends string,
  const P extends string,
  const C extends string,
  const I extends string,
  R extends ResourceSchema,
  F extends z.ZodRawShape,
>(spec: ResourceOperationsSpec<S, P, C, I, R, F> & RouterHas<ResourceMethods<S, P, z.output<R>, F>>) {
  type Methods = ResourceMethodTypes<z.output<R>, F>;
  // Where S and P are known, `RouterHas` has checked that the Router has these methods; this generic body cannot, and
  // reaches each through its own record (an intersection indexed by a generic key would lose the method's type).
  const methods = (router: Router) => router as unknown as ResourceMethods<S, P, z.output<R>, F>;
  const { singular, plural, collection, idParam, resource, version, filters, summaries, extension, access = {} } = spec;
  const path = `/routing/${collection}/{${idParam}}` as const;
  return [
    upsertOperation({
      name: `upsert${singular}`,
      path,
      resource,
      summary: summaries.upsert,
      version,
      extension,
      access: access.upsert,
      upsert: (router, id, patch, conditions) => {
        const upsert: Record<`upsert${S}`, Methods['upsert']> = methods(router);
        return upsert[`upsert${singular}`](id, patch, conditions);
      },
    }),
    getOperation({
      name: `get${singular}`,
      path,
      resource,
      summary: summaries.get,
      version,
      extension,
      access: access.get,
      get: (router, id) => {
        const get: Record<`get${S}`, Methods['get']> = methods(router);
        return get[`get${singular}`](id);
      },
    }),
    deleteOperation({
      name: `delete${singular}`,
      path,
      summary: summaries.delete,
      extension,
      access: access.delete,
      delete: (router, id) => {
        const remove: Record<`delete${S}`, Methods['delete']> = methods(router);
        return remove[`delete${singular}`](id);
      },
    }),
    listOperation({
      name: `list${plural}`,
      path: `/routing/${collection}`,
      summary: summaries.list,
      extension,
      access: access.list,
      filters,
      item: resource,
      list: (router, request) => {
        const list: Record<`list${P}`, Methods['list']> = methods(router);
        return list[`list${plural}`](request);
      },
    }),
  ] as const;
}

/**
 * A command or query on a resource that is not create/read/delete: `POST …:verb` with the options as body, or a
 * `GET` of something derived (position, statistics). The path parameters come from the template.
 */
export function actionOperation<
  const N extends string,
  const T extends string,
  O extends z.ZodRawShape,
  R extends z.ZodType,
>(spec: {
  readonly name: N;
  readonly method: 'POST' | 'GET';
  readonly path: T;
  readonly summary: string;
  readonly extension?: boolean;
  /** Default `admin`. */
  readonly access?: OperationAccess;
  readonly options: z.ZodObject<O>;
  readonly result: R;
  readonly run: (router: Router, args: z.output<z.ZodObject<Record<PathParams<T>, typeof ResourceIdSchema> & O>>, context: InvocationContext) => Promise<z.output<R>>;
}) {
  return operation({
    name: spec.name,
    kind: spec.method === 'GET' ? 'get' : 'action',
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    extension: spec.extension ?? false,
    access: spec.access ?? 'admin',
    args: z.object({ ...pathShape(spec.path), ...spec.options.shape }),
    result: spec.result,
    async invoke(router, args, context) {
      return { result: await spec.run(router, args, context) };
    },
  });
}

/** Identity with inference: fixes an entry's generic parameters from its literal. */
function operation<const N extends string, A extends z.ZodType, R extends z.ZodType>(spec: Operation<N, A, R>): Operation<N, A, R> {
  return spec;
}
