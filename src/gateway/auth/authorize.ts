import type { Principal } from './tokens.ts';

/**
 * The operations a worker-scoped principal may perform, each only on its own worker (`args.workerId`). Kept as
 * data so the rule can be reviewed, documented and tested without reading control flow.
 */
export const WORKER_OPERATIONS: readonly string[] = ['attachWorker', 'getWorker', 'acceptJobOffer', 'declineJobOffer'];

/**
 * Every reason {@link authorize} can give.
 *
 * - `operationNotAllowed`: a worker principal asked for an operation outside {@link WORKER_OPERATIONS}.
 * - `notOwnWorker`: a worker principal named another worker, or none, in `args.workerId`.
 */
export const AUTHORIZATION_FAILURE_REASONS = ['operationNotAllowed', 'notOwnWorker'] as const;

/** Why an operation was refused; one of {@link AUTHORIZATION_FAILURE_REASONS}. */
export type AuthorizationFailureReason = (typeof AUTHORIZATION_FAILURE_REASONS)[number];

/** The result of {@link authorize}. */
export type AuthorizationOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: AuthorizationFailureReason };

const workerOperations: ReadonlySet<string> = new Set(WORKER_OPERATIONS);

/**
 * Decides whether an authenticated principal may perform an operation. The admin may do everything; a worker may
 * do only {@link WORKER_OPERATIONS}, and only on itself.
 *
 * @param principal - who is asking
 * @param operation - the operation name, as in the operations table (e.g. `acceptJobOffer`)
 * @param args - the operation's arguments; only `workerId` is consulted
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
  return args['workerId'] === principal.workerId ? { ok: true } : { ok: false, reason: 'notOwnWorker' };
}
