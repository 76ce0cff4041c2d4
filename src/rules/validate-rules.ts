import { RouterError } from '../errors.ts';
import type { RouterRule } from '../protocol/rules.schemas.ts';
import { PowerFxSyntaxError, compilePowerFx } from './powerfx/index.ts';

/**
 * Rejects a rule whose expression does not parse, at the time its policy is saved, so that nothing malformed is ever
 * evaluated while matching. `target` names the rule's place in the body.
 */
export function validateRule(rule: RouterRule | undefined, target: string): void {
  if (rule?.kind !== 'expression') return;
  try {
    compilePowerFx(rule.expression);
  } catch (error) {
    if (error instanceof PowerFxSyntaxError) throw new RouterError('InvalidExpression', error.message, `${target}.expression`);
    throw error;
  }
}
