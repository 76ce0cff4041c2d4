/**
 * The value and context shapes shared by every part of the PowerFx subset. They live apart from `index.ts` so the
 * parser and evaluator can use them without importing the public entry point (no import cycles).
 */

/** A value an expression produces or reads. `null` is Power Fx's Blank. */
export type PowerFxValue = string | number | boolean | null;

/** The labels an expression can read: `job.<Label>` and `worker.<Label>`. A label that is absent reads as Blank. */
export interface PowerFxContext {
  readonly job?: Readonly<Record<string, string | number | boolean>>;
  readonly worker?: Readonly<Record<string, string | number | boolean>>;
}

/** The outcome of one evaluation: a value, or the runtime error Power Fx would have raised. */
export type PowerFxResult =
  | { readonly ok: true; readonly value: PowerFxValue }
  | { readonly ok: false; readonly message: string };

/** An expression parsed and checked once, ready to be evaluated against many contexts. */
export interface CompiledExpression {
  /** The text the expression was compiled from, unchanged. */
  readonly source: string;
  /** Evaluates against one set of labels. Never throws: runtime errors come back as `{ ok: false }`. */
  evaluate(context: PowerFxContext): PowerFxResult;
}
