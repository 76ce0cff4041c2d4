import { z } from 'zod';
import { RouterRuleSchema } from './rules.schemas.ts';
import { resourceMeta } from './common.schemas.ts';
import { KIND_ALIASES, withKindAliases } from './kind-aliases.ts';

/** `DistributionPolicy` (spec §1.1). The mode's defaults are echoed back, as Azure does. */

export const ScoringRuleOptionsSchema = z.object({
  batchSize: z.number().int().min(1).max(1000).default(20),
  scoringParameters: z.array(z.enum(['jobLabels', 'workerSelectors'])).default(['jobLabels', 'workerSelectors']),
  isBatchScoringEnabled: z.boolean().default(false),
  descendingOrder: z.boolean().default(true),
});
export type ScoringRuleOptions = z.infer<typeof ScoringRuleOptionsSchema>;

const modeBase = {
  minConcurrentOffers: z.number().int().min(1).max(100).default(1),
  maxConcurrentOffers: z.number().int().min(1).max(100).default(1),
  bypassSelectors: z.boolean().default(false),
};

export const DistributionModeSchema = withKindAliases(
  [
    z.object({
      kind: z.literal('bestWorker'),
      ...modeBase,
      scoringRule: RouterRuleSchema.optional(),
      scoringRuleOptions: ScoringRuleOptionsSchema.optional(),
    }),
    z.object({ kind: z.literal('longestIdle'), ...modeBase }),
    z.object({ kind: z.literal('roundRobin'), ...modeBase }),
  ],
  KIND_ALIASES.distributionMode,
).refine((mode) => mode.minConcurrentOffers <= mode.maxConcurrentOffers, {
    message: 'minConcurrentOffers must not exceed maxConcurrentOffers',
    path: ['minConcurrentOffers'],
  });
export type DistributionMode = z.infer<typeof DistributionModeSchema>;

export const distributionPolicyFields = {
  name: z.string().max(512).optional(),
  offerExpiresAfterSeconds: z.number().finite().positive().optional(),
  mode: DistributionModeSchema.optional(),
};

export const DistributionPolicySchema = z.object({ ...resourceMeta, ...distributionPolicyFields });
export type DistributionPolicy = z.infer<typeof DistributionPolicySchema>;
