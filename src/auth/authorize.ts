import { RouterError } from '../errors.ts';
import type { Principal } from './tokens.ts';

/**
 * The operations a worker-scoped principal may perform, each only on its own worker (`args.workerId`). Kept as
 * data so the rule can be reviewed, documented and tested without reading control flow.
 */
export const WORKER_OPERATIONS: readonly string[] = ['attachWorker', 'getWorker', 'upsertWorker', 'acceptJobOffer', 'declineJobOffer'];

/**
 * What a worker may change of itself by `upsertWorker`: only its registration switch, so that a worker deregistered
 * (on disconnect, say) can register again without an admin, but never rewrite its queues, capacity or labels. Besides
 * these, its args may hold only the worker id and the preconditions.
 */
export const WORKER_SELF_FIELDS: readonly string[] = ['availableForOffers'];
const selfUpsertArgs: ReadonlySet<string> = new Set([...WORKER_SELF_FIELDS, 'workerId', 'ifMatch', 'ifUnmodifiedSince']);

/**
 * Every reason {@link authorize} can give.
 *
 * - `operationNotAllowed`: a worker principal asked for an operation outside {@link WORKER_OPERATIONS}.
 * - `notOwnWorker`: a worker principal named another worker, or none, in `args.workerId`.
 * - `fieldNotAllowed`: a worker principal's `upsertWorker` set a field outside {@link WORKER_SELF_FIELDS}.
 */
export const AUTHORIZATION_FAILURE_REASONS = ['operationNotAllowed', 'notOwnWorker', 'fieldNotAllowed'] as const;

/** Why an operation was refused; one of {@link AUTHORIZATION_FAILURE_REASONS}. */
export type AuthorizationFailureReason = (typeof AUTHORIZATION_FAILURE_REASONS)[number];

/** The result of {@link authorize}. */
export type AuthorizationOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: AuthorizationFailureReason; readonly field?: string };

const workerOperations: ReadonlySet<string> = new Set(WORKER_OPERATIONS);

/**
 * Decides whether an authenticated principal may perform an operation. The admin may do everything; a worker may
 * do only {@link WORKER_OPERATIONS}, and only on itself, and change of itself only {@link WORKER_SELF_FIELDS}.
 *
 * @param principal - who is asking
 * @param operation - the operation name, as in the operations table (e.g. `acceptJobOffer`)
 * @param args - the operation's arguments: `workerId`, and for `upsertWorker` the names of the fields set
 * @returns `{ ok: true }`, or why the operation is refused
 */
export function authorize(
  principal: Principal,
  operation: string,
  args: Readonly<Record<string, unknown>>,
): AuthorizationOutcome {
  if (principal.kind === 'admin') {
    return { ok: true };
  }
  if (!workerOperations.has(operation)) {
    return { ok: false, reason: 'operationNotAllowed' };
  }
  if (args['workerId'] !== principal.workerId) return { ok: false, reason: 'notOwnWorker' };
  const field = operation === 'upsertWorker' ? Object.keys(args).find((key) => !selfUpsertArgs.has(key)) : undefined;
  return field === undefined ? { ok: true } : { ok: false, reason: 'fieldNotAllowed', field };
}

/**
 * Throws `Forbidden` unless {@link authorize} allows the operation; a refused field is the error's `target`.
 *
 * @throws RouterError `Forbidden`
 */
export function requireAuthorized(principal: Principal, operation: string, args: Readonly<Record<string, unknown>>): void {
  const outcome = authorize(principal, operation, args);
  if (outcome.ok) return;
  if (outcome.reason === 'fieldNotAllowed')
    throw new RouterError('Forbidden', `a worker token may change only ${WORKER_SELF_FIELDS.join(', ')} of its worker, not ${outcome.field}`, outcome.field);
  throw new RouterError('Forbidden', `this credential may not perform ${operation}`, 'op');
}
