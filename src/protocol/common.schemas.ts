import { z } from 'zod';

/**
 * Shapes shared by every resource. Field names, enums and defaults are Azure's (spec §1); a body that breaks them is
 * rejected at the edge with the offending field as the error target.
 */

/** Label, tag and selector values are primitive JSON: a finite number, a string or a boolean. */
export const RouterValueSchema = z.union([z.string(), z.number().finite(), z.boolean()]);
export type RouterValue = z.infer<typeof RouterValueSchema>;

const labelKey = z.string().min(1).max(256);

/** A stored label or tag map. */
export const LabelsSchema = z.record(labelKey, RouterValueSchema);
export type Labels = z.infer<typeof LabelsSchema>;

/** A boolean, or `true` / `false` as a query string carries it. */
export const QueryBooleanSchema = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

/**
 * Resource ids come from the path. Colons and slashes are excluded because they delimit actions and segments, and
 * `.` and `..` because a URL resolves them away (`/routing/jobs/..` is `/routing`), so such a resource could be
 * created over WebSocket and never be reached over REST.
 */
export const ResourceIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.~-]{1,128}$/, 'must be 1–128 characters of letters, digits, "_", ".", "~" or "-"')
  .refine((id) => id !== '.' && id !== '..', 'must not be "." or ".."');

/** RFC 3339 date-time as Azure sends it. */
export const DateTimeSchema = z.iso.datetime({ offset: true });

export const LabelOperatorSchema = z.enum([
  'equal',
  'notEqual',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
]);
export type LabelOperator = z.infer<typeof LabelOperatorSchema>;

/** `RouterWorkerSelector`: `status` and `expiresAt` are read-only and recomputed by the router. */
export const RouterWorkerSelectorSchema = z.object({
  key: labelKey,
  labelOperator: LabelOperatorSchema,
  value: RouterValueSchema.optional(),
  expiresAfterSeconds: z.number().finite().positive().optional(),
  expedite: z.boolean().optional(),
  status: z.enum(['active', 'expired']).optional(),
  expiresAt: DateTimeSchema.optional(),
});
export type RouterWorkerSelector = z.infer<typeof RouterWorkerSelectorSchema>;

/** `RouterQueueSelector`. */
export const RouterQueueSelectorSchema = z.object({
  key: labelKey,
  labelOperator: LabelOperatorSchema,
  value: RouterValueSchema.optional(),
});
export type RouterQueueSelector = z.infer<typeof RouterQueueSelectorSchema>;

/** Read-only fields every resource body carries. */
export const resourceMeta = {
  etag: z.string(),
  id: z.string(),
};
