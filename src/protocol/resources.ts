import { z } from 'zod';
import { RouterError, invalidRequestFrom } from '../errors.ts';
import { classificationPolicyFields } from './classification-policy.schemas.ts';
import { distributionPolicyFields } from './distribution-policy.schemas.ts';
import { exceptionPolicyFields } from './exception-policy.schemas.ts';
import { jobFields } from './job.schemas.ts';
import { applyMergePatch, findUnsafeKey, isPlainObject, pickWritable } from './merge-patch.ts';
import { queueFields } from './queue.schemas.ts';
import { workerFields } from './worker.schemas.ts';

/**
 * The writable part of each resource, as one zod object per kind. An upsert applies the caller's merge patch to the
 * current writable fields and parses the result, so defaults, ranges and `null` resets all come from one schema.
 */
export const writableSchemas = {
  distributionPolicy: z.object(distributionPolicyFields),
  queue: z.object(queueFields),
  classificationPolicy: z.object(classificationPolicyFields),
  exceptionPolicy: z.object(exceptionPolicyFields),
  job: z.object(jobFields),
  worker: z.object(workerFields),
};

export type ResourceKind = keyof typeof writableSchemas;
export type WritableOf<K extends ResourceKind> = z.infer<(typeof writableSchemas)[K]>;

const writableKeys: Record<ResourceKind, ReadonlySet<string>> = {
  distributionPolicy: new Set(Object.keys(distributionPolicyFields)),
  queue: new Set(Object.keys(queueFields)),
  classificationPolicy: new Set(Object.keys(classificationPolicyFields)),
  exceptionPolicy: new Set(Object.keys(exceptionPolicyFields)),
  job: new Set(Object.keys(jobFields)),
  worker: new Set(Object.keys(workerFields)),
};

/**
 * Applies a merge-patch body to the writable fields of a resource (or to nothing, on create) and validates the
 * result. Throws `InvalidRequest` naming the offending field; the current resource is never touched.
 */
export function patchWritable<K extends ResourceKind>(kind: K, current: WritableOf<K> | undefined, body: unknown): WritableOf<K> {
  if (!isPlainObject(body)) throw new RouterError('InvalidRequest', 'the body must be a JSON object', 'body');
  const unsafe = findUnsafeKey(body);
  if (unsafe !== undefined)
    throw new RouterError('InvalidRequest', `${unsafe}: "${unsafe.split('.').at(-1)}" is not allowed as a key`, unsafe);
  const merged = applyMergePatch(current ?? {}, pickWritable(body, writableKeys[kind]));
  const parsed = writableSchemas[kind].safeParse(merged);
  if (!parsed.success) throw invalidRequestFrom(parsed.error);
  return parsed.data as WritableOf<K>;
}

/** Extracts the writable fields of a stored resource, for the next patch. */
export function writableOf<K extends ResourceKind>(kind: K, resource: object): WritableOf<K> {
  return pickWritable(resource, writableKeys[kind]) as WritableOf<K>;
}
