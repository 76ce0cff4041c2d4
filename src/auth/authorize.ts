import { RouterError } from '../errors.ts';
import type { Principal } from './tokens.ts';

/**
 * Who may perform an operation: only the admin, or also a worker-scoped principal acting on its own worker
 * (`args.workerId`). Every operation declares it where it is defined (its operations table entry, or the WebSocket
 * gateway's own operations), so the rule is reviewed, documented and tested beside the operation itself.
 */
export type OperationAccess = 'admin' | 'ownWorker';

/** What {@link authorize} needs to know of an operation: its name and who may perform it. */
export interface AuthorizedOperation {
  readonly name: string;
  readonly access: OperationAccess;
}

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
 * - `operationNotAllowed`: a worker principal asked for an operation whose access is `admin`.
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

/**
 * Decides whether an authenticated principal may perform an operation. The admin may do everything; a worker may
 * do only operations of access `ownWorker`, and only on itself, and change of itself only {@link WORKER_SELF_FIELDS}.
 *
 * @param principal - who is asking
 * @param operation - the operation's name, as in the operations table (e.g. `acceptJobOffer`), and its access
 * @param args - the operation's arguments: `workerId`, and for `upsertWorker` the names of the fields set
 * @returns `{ ok: true }`, or why the operation is refused
 */
export function authorize(
  principal: Principal,
  operation: AuthorizedOperation,
  args: Readonly<Record<string, unknown>>,
): AuthorizationOutcome {
  if (principal.kind === 'admin') {
    return { ok: true };
  }
  if (operation.access !== 'ownWorker') {
    return { ok: false, reason: 'operationNotAllowed' };
  }
  if (args['workerId'] !== principal.workerId) return { ok: false, reason: 'notOwnWorker' };
  const field = operation.name === 'upsertWorker' ? Object.keys(args).find((key) => !selfUpsertArgs.has(key)) : undefined;
  return field === undefined ? { ok: true } : { ok: false, reason: 'fieldNotAllowed', field };
}

/**
 * Throws `Forbidden` unless {@link authorize} allows the operation; a refused field is the error's `target`.
 *
 * @throws RouterError `Forbidden`
 */
export function requireAuthorized(principal: Principal, operation: AuthorizedOperation, args: Readonly<Record<string, unknown>>): void {
  const outcome = authorize(principal, operation, args);
  if (outcome.ok) return;
  if (outcome.reason === 'fieldNotAllowed')
    throw new RouterError('Forbidden', `a worker token may change only ${WORKER_SELF_FIELDS.join(', ')} of its worker, not ${outcome.field}`, outcome.field);
  throw new RouterError('Forbidden', `this credential may not perform ${operation.name}`, 'op');
}
