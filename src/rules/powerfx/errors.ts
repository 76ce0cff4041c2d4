/**
 * Thrown by `compilePowerFx` when an expression cannot be compiled: malformed syntax, an unknown name or function, a
 * wrong number of arguments, or input past the size and nesting limits. Policies are rejected with it when saved, so
 * a bad rule never reaches classification.
 */
export class PowerFxSyntaxError extends Error {
  /** 0-based offset into the source (UTF-16 code units) where the problem was found. */
  readonly position: number;

  /**
   * @param problem - what is wrong, e.g. `Unexpected token ')'`.
   * @param position - 0-based offset of the problem in the source.
   * @param expected - what would have been valid there, e.g. `an operand`; appended as `; expected …`.
   */
  constructor(problem: string, position: number, expected?: string) {
    super(`${problem} at position ${position}${expected === undefined ? '' : `; expected ${expected}`}`);
    this.name = 'PowerFxSyntaxError';
    this.position = position;
  }
}

/**
 * Thrown inside compiled closures when evaluation fails the way Power Fx would at run time (division by zero, text
 * that is not a number, …). `evaluate` catches it and returns `{ ok: false }`, so it never leaves this module.
 */
export class PowerFxEvaluationError extends Error {
  constructor(problem: string, position: number) {
    super(`${problem} at position ${position}`);
    this.name = 'PowerFxEvaluationError';
  }
}
