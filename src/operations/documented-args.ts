import { z } from 'zod';
import { writableSchemas, type ResourceKind } from '../protocol/resources.ts';
import type { Operation } from './table-define.ts';

/**
 * The arguments a client sends, as the reference documents show them. The table accepts an upsert's body loosely
 * (the Router validates the merged patch), so for upserts this is the resource's writable fields, all optional,
 * beside the path parameter and preconditions; for every other operation, its own argument schema.
 */
export function documentedArgs(operation: Operation): z.ZodType {
  if (operation.kind !== 'upsert' || !(operation.args instanceof z.ZodObject)) return operation.args;
  const kind = `${operation.name[6]!.toLowerCase()}${operation.name.slice(7)}` as ResourceKind;
  return z.object({ ...operation.args.shape, ...writableSchemas[kind].partial().shape });
}
