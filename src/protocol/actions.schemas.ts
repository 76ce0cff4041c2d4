import { z } from 'zod';
import { DateTimeSchema } from './common.schemas.ts';

/** Action payloads and results (spec §1.10). Bodies are optional: an absent body is `{}`. */

export const CancelJobOptionsSchema = z.object({
  note: z.string().max(10_000).optional(),
  dispositionCode: z.string().max(1024).optional(),
});
export const CompleteJobOptionsSchema = z.object({ note: z.string().max(10_000).optional() });
export const CloseJobOptionsSchema = z.object({
  dispositionCode: z.string().max(1024).optional(),
  closeAt: DateTimeSchema.optional(),
  note: z.string().max(10_000).optional(),
});
export const ReclassifyJobOptionsSchema = z.object({});
export const UnassignJobOptionsSchema = z.object({ suspendMatching: z.boolean().optional() });
export const DeclineJobOfferOptionsSchema = z.object({ retryOfferAt: DateTimeSchema.optional() });

export const EmptyResultSchema = z.object({});
export const UnassignJobResultSchema = z.object({ jobId: z.string(), unassignmentCount: z.number().int() });
export const AcceptJobOfferResultSchema = z.object({
  assignmentId: z.string(),
  jobId: z.string(),
  workerId: z.string(),
});

export type CancelJobOptions = z.infer<typeof CancelJobOptionsSchema>;
export type CompleteJobOptions = z.infer<typeof CompleteJobOptionsSchema>;
export type CloseJobOptions = z.infer<typeof CloseJobOptionsSchema>;
export type UnassignJobOptions = z.infer<typeof UnassignJobOptionsSchema>;
export type DeclineJobOfferOptions = z.infer<typeof DeclineJobOfferOptionsSchema>;
export type UnassignJobResult = z.infer<typeof UnassignJobResultSchema>;
export type AcceptJobOfferResult = z.infer<typeof AcceptJobOfferResultSchema>;
