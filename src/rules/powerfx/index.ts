/**
 * The PowerFx subset used by expression rules (`kind: "expression"`, `language: "powerFx"`): compile a rule once
 * when its policy is saved, then evaluate it against job and worker labels as often as routing needs.
 * The accepted language and its semantics are described in docs/rules.md.
 */
import { PowerFxSyntaxError } from './errors.ts';
import { compileNode } from './evaluator.ts';
import { parse } from './parser.ts';
import type { CompiledExpression, PowerFxContext, PowerFxResult } from './types.ts';

export { PowerFxSyntaxError } from './errors.ts';
export type { CompiledExpression, PowerFxContext, PowerFxResult, PowerFxValue } from './types.ts';

/**
 * Parses and checks an expression, returning a reusable compiled form.
 *
 * @throws PowerFxSyntaxError for malformed input (including unknown names or functions, wrong argument counts,
 *   source over 10,000 characters or nesting deeper than 200 levels). Called when a policy is saved, so a bad rule
 *   is rejected then rather than failing classification later.
 */
export function compilePowerFx(source: string): CompiledExpression {
  // Policies arrive as JSON; a non-string must be rejected like any other bad input, not crash the parser.
  if (typeof source !== 'string') throw new PowerFxSyntaxError('Expression must be a string', 0);
  const evaluator = compileNode(parse(source));
  return Object.freeze({
    source,
    evaluate(context: PowerFxContext): PowerFxResult {
      try {
        // `?? {}` because JavaScript callers may pass nothing; a missing context means every label is Blank.
        return { ok: true, value: evaluator(context ?? {}) };
      } catch (error) {
        // Anything at all is caught: evaluation must never take the router down, whatever the labels hold.
        return { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    },
  });
}
