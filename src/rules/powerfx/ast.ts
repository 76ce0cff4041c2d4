import type { BuiltinFunction } from './functions.ts';
import type { PowerFxValue } from './types.ts';

/** Binary operators after parsing: `&&`/`And` both become `And`, `||`/`Or` both become `Or`. */
export type BinaryOperator =
  | '+'
  | '-'
  | '*'
  | '/'
  | '&'
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | 'in'
  | 'exactin'
  | 'And'
  | 'Or';

/** Prefix operators: `-` negates, `Not` covers both `!x` and `Not x`. */
export type UnaryOperator = '-' | 'Not';

interface NodeBase {
  /** Offset of the token that produced the node (operator, function name, literal); runtime errors cite it. */
  readonly position: number;
  /** Height of the subtree (a leaf is 1), kept so the parser can refuse trees too deep to evaluate safely. */
  readonly depth: number;
}

/** The syntax tree of one expression. */
export type Node =
  | (NodeBase & { readonly kind: 'literal'; readonly value: PowerFxValue })
  | (NodeBase & { readonly kind: 'label'; readonly entity: 'job' | 'worker'; readonly name: string })
  | (NodeBase & { readonly kind: 'unary'; readonly operator: UnaryOperator; readonly operand: Node })
  | (NodeBase & {
      readonly kind: 'binary';
      readonly operator: BinaryOperator;
      readonly left: Node;
      readonly right: Node;
    })
  | (NodeBase & {
      readonly kind: 'call';
      readonly name: string;
      /** Resolved while parsing, so unknown functions and wrong arity are syntax errors. */
      readonly builtin: BuiltinFunction;
      readonly args: readonly Node[];
    });
