import { z } from 'zod';
import { EventSubscriptionWritableSchema } from '../protocol/event-subscription.schemas.ts';
import { writableSchemas } from '../protocol/resources.ts';
import type { Operation } from './table-define.ts';

/** The writable fields of each resource an upsert creates, by the resource's name in the operation (`upsertQueue` → `queue`). */
const writableByResource: Readonly<Record<string, z.ZodObject>> = { ...writableSchemas, eventSubscription: EventSubscriptionWritableSchema };

/**
 * The arguments a client sends, as the reference documents show them. The table accepts an upsert's body loosely
 * (the Router validates the merged patch), so for upserts this is the resource's writable fields, all optional,
 * beside the path parameter and preconditions; for every other operation, its own argument schema.
 */
export function documentedArgs(operation: Operation): z.ZodType {
  if (operation.kind !== 'upsert' || !(operation.args instanceof z.ZodObject)) return operation.args;
  const writable = writableByResource[`${operation.name[6]!.toLowerCase()}${operation.name.slice(7)}`];
  if (!writable) throw new Error(`documented-args: no writable schema for ${operation.name}`);
  return z.object({ ...operation.args.shape, ...writable.partial().shape });
}
