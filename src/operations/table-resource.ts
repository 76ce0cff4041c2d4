import { z } from 'zod';
import type { OperationAccess } from '../auth/authorize.ts';
import { EmptyResultSchema } from '../protocol/actions.schemas.ts';
import type { UpsertResult } from './admin.ts';
import { MAX_PAGE_SIZE, type Page } from './paging.ts';
import type { Preconditions } from './preconditions.ts';
import {
  callRun,
  entryFields,
  type EntrySpec,
  idArg,
  idParamOf,
  ifMatchField,
  pathArgs,
  pathShape,
  restArgs,
  routedOperation,
  stringArg,
  versionOf,
  type AnyRun,
  type Answer,
  type Invocation,
  type OperationServices,
  type PathArgs,
  type ResourceSchema,
  type VersionLookup,
} from './table-define.ts';

/**
 * The operations table's helpers for a resource: its upsert (merge patch), get, delete and list, one at a time or
 * all four at once with {@link resourceOperations}. Each checks its row's `run` against the path template.
 */

interface ResourceSpec<N extends string, T extends string, R extends ResourceSchema> extends EntrySpec<N, T> {
  /** A resource path; its last parameter is the id. */
  readonly path: T;
  readonly resource: R;
  readonly version: VersionLookup;
}

/** The `run` of an upsert: `(id, body, conditions)`, answering the resource and whether it was created. */
type UpsertRun<R extends ResourceSchema> = (
  services: OperationServices,
  id: string,
  body: Record<string, unknown>,
  conditions: Preconditions,
) => Promise<UpsertResult<z.output<R>>>;

/** Create-or-update by merge patch. The patch is passed through to the operation, which validates it. */
function upsertOperation<const N extends string, const T extends string, R extends ResourceSchema, F extends UpsertRun<R>>(
  spec: ResourceSpec<N, T, R> & { readonly run: F },
) {
  const idParam = idParamOf(spec.path);
  const entry = routedOperation({
    ...entryFields(spec, 'upsert', 'PATCH'),
    args: z.looseObject({ ...pathShape(spec.path), ...ifMatchField }),
    result: spec.resource,
    run: spec.run,
    async invoke(services, args, context): Promise<Invocation<z.output<R>>> {
      const patch = restArgs(spec.path, args, ['ifMatch', 'ifUnmodifiedSince']);
      const conditions = context.preconditions ?? {
        ifMatch: stringArg(args, 'ifMatch'),
        ifUnmodifiedSince: stringArg(args, 'ifUnmodifiedSince'),
      };
      const id = idArg(args, idParam);
      const startedAt = services.engine.now();
      const { resource, created } = await entry.run(services, id, patch, conditions);
      return { result: resource, created, ...versionOf(spec.version(services, id), resource.etag, startedAt) };
    },
  });
  return entry;
}

/** Reads one resource, with its version. */
function getOperation<
  const N extends string,
  const T extends string,
  R extends ResourceSchema,
  F extends (services: OperationServices, id: string) => Answer<z.output<R>>,
>(spec: ResourceSpec<N, T, R> & { readonly run: F }) {
  const idParam = idParamOf(spec.path);
  const entry = routedOperation({
    ...entryFields(spec, 'get', 'GET'),
    args: z.object(pathShape(spec.path)),
    result: spec.resource,
    run: spec.run,
    async invoke(services, args): Promise<Invocation<z.output<R>>> {
      const id = idArg(args, idParam);
      const startedAt = services.engine.now();
      const resource = await entry.run(services, id);
      return { result: resource, ...versionOf(spec.version(services, id), resource.etag, startedAt) };
    },
  });
  return entry;
}

/**
 * Deletes one resource; the result is `{}` (REST answers 204 with no body). A resource nested under another is
 * named by every path parameter, its own id last.
 */
export function deleteOperation<
  const N extends string,
  const T extends string,
  F extends (services: OperationServices, ...params: PathArgs<T>) => Promise<void>,
>(spec: DeleteSpec<N, T, F>) {
  return deleteEntry(spec);
}

interface DeleteSpec<N extends string, T extends string, F extends AnyRun> extends EntrySpec<N, T> {
  readonly run: F;
}

/** A delete entry, for {@link deleteOperation} and {@link resourceOperations}, which check `run` against the path. */
function deleteEntry<const N extends string, const T extends string, F extends AnyRun>(spec: DeleteSpec<N, T, F>) {
  const entry = routedOperation({
    ...entryFields(spec, 'delete', 'DELETE'),
    args: z.object(pathShape(spec.path)),
    result: EmptyResultSchema,
    run: spec.run,
    async invoke(services, args): Promise<Invocation<z.output<typeof EmptyResultSchema>>> {
      await callRun<void>(entry.run, services, pathArgs(spec.path, args));
      return { result: {} };
    },
  });
  return entry;
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

/** What a list with query parameters `Q` is asked: those parameters and the paging arguments, parsed. */
type ListRequest<Q extends z.ZodRawShape> = z.output<z.ZodObject<Q & typeof pagingShape>>;

/** The `run` of a list: its path parameters (a list nested under a resource has that resource's id), then the request. */
type ListRun<T extends string, Q extends z.ZodRawShape, I extends z.ZodType> = (
  services: OperationServices,
  ...params: [...PathArgs<T>, request: ListRequest<Q>]
) => Answer<Page<z.output<I>>>;

/** One page of a list, filtered by the query parameters in `filters`. */
export function listOperation<
  const N extends string,
  const T extends string,
  Q extends z.ZodRawShape,
  I extends z.ZodType,
  F extends ListRun<T, Q, I>,
>(spec: ListSpec<N, T, Q, I, F>) {
  return listEntry(spec);
}

interface ListSpec<N extends string, T extends string, Q extends z.ZodRawShape, I extends z.ZodType, F extends AnyRun> extends EntrySpec<N, T> {
  readonly filters: Q;
  readonly item: I;
  readonly run: F;
}

/** A list entry, for {@link listOperation} and {@link resourceOperations}, which check `run` against the path. */
function listEntry<const N extends string, const T extends string, Q extends z.ZodRawShape, I extends z.ZodType, F extends AnyRun>(
  spec: ListSpec<N, T, Q, I, F>,
) {
  const entry = routedOperation({
    ...entryFields(spec, 'list', 'GET'),
    args: z.object({ ...pathShape(spec.path), ...spec.filters, ...pagingShape }),
    result: listResultOf(spec.item),
    run: spec.run,
    async invoke(services, args): Promise<Invocation<Page<z.output<I>>>> {
      const params = [...pathArgs(spec.path, args), restArgs(spec.path, args)];
      return { result: await callRun<Page<z.output<I>>>(entry.run, services, params) };
    },
  });
  return entry;
}

interface ResourceOperationsSpec<S extends string, P extends string, C extends string, I extends string, R, Q, RU, RG, RD, RL> {
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
  readonly filters: Q;
  /** The operation functions behind the four entries; their parameters are the Router methods' parameters. */
  readonly run: { readonly upsert: RU; readonly get: RG; readonly delete: RD; readonly list: RL };
  /** One line each for the reference docs. */
  readonly summaries: { readonly upsert: string; readonly get: string; readonly delete: string; readonly list: string };
  /** True for a resource Azure does not have. */
  readonly extension?: boolean | undefined;
  /** Who may perform each of the four operations; `admin` for those not named. */
  readonly access?: Partial<Record<'upsert' | 'get' | 'delete' | 'list', OperationAccess>> | undefined;
}

/**
 * A resource's upsert, get, delete and list, in that order, named as Azure names them (for `Queue` / `Queues`,
 * `upsertQueue`, `getQueue`, `deleteQueue`, `listQueues`). The names and paths are template literal types, so the
 * table keeps every operation's literal name and parameters.
 */
export function resourceOperations<
  const S extends string,
  const P extends string,
  const C extends string,
  const I extends string,
  R extends ResourceSchema,
  Q extends z.ZodRawShape,
  RU extends UpsertRun<R>,
  RG extends (services: OperationServices, id: string) => Answer<z.output<R>>,
  RD extends (services: OperationServices, id: string) => Promise<void>,
  RL extends (services: OperationServices, request: ListRequest<Q>) => Answer<Page<z.output<R>>>,
>(spec: ResourceOperationsSpec<S, P, C, I, R, Q, RU, RG, RD, RL>) {
  const { singular, plural, collection, idParam, resource, version, filters, run, summaries, extension, access = {} } = spec;
  const path = `/routing/${collection}/{${idParam}}` as const;
  return [
    upsertOperation({ name: `upsert${singular}`, path, resource, summary: summaries.upsert, version, extension, access: access.upsert, run: run.upsert }),
    getOperation({ name: `get${singular}`, path, resource, summary: summaries.get, version, extension, access: access.get, run: run.get }),
    deleteEntry({ name: `delete${singular}`, path, summary: summaries.delete, extension, access: access.delete, run: run.delete }),
    listEntry({
      name: `list${plural}`,
      path: `/routing/${collection}`,
      summary: summaries.list,
      extension,
      access: access.list,
      filters,
      item: resource,
      run: run.list,
    }),
  ] as const;
}
