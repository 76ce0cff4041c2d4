import { z } from 'zod';
import { RouterValueSchema } from './common.schemas.ts';
import { KIND_ALIASES, withKindAliases } from './kind-aliases.ts';

/** Router rules (spec §1.8), discriminated by `kind`. Secrets in credentials are write-only. */

export const StaticRouterRuleSchema = z.object({
  kind: z.literal('static'),
  value: RouterValueSchema.optional(),
});

export const ExpressionRouterRuleSchema = z.object({
  kind: z.literal('expression'),
  language: z.literal('powerFx').default('powerFx'),
  expression: z.string().min(1).max(10_000),
});

export const DirectMapRouterRuleSchema = z.object({ kind: z.literal('directMap') });

export const FunctionRouterRuleCredentialSchema = z.object({
  functionKey: z.string().optional(),
  appKey: z.string().optional(),
  clientId: z.string().optional(),
});

export const FunctionRouterRuleSchema = z.object({
  kind: z.literal('function'),
  functionUri: z.url(),
  credential: FunctionRouterRuleCredentialSchema.optional(),
});

export const WebhookRouterRuleSchema = z.object({
  kind: z.literal('webhook'),
  authorizationServerUri: z.url().optional(),
  clientCredential: z.object({ clientId: z.string().optional(), clientSecret: z.string().optional() }).optional(),
  webhookUri: z.url().optional(),
});

export const RouterRuleSchema = withKindAliases(
  [StaticRouterRuleSchema, ExpressionRouterRuleSchema, DirectMapRouterRuleSchema, FunctionRouterRuleSchema, WebhookRouterRuleSchema],
  KIND_ALIASES.rule,
);
export type RouterRule = z.infer<typeof RouterRuleSchema>;
