import type { z } from 'zod';

/**
 * The one catalogue of error codes. Every failure a caller can see is one of these: a stable code, the HTTP status it
 * maps to, Azure's generic code for the `communicationError` body, and whether retrying the same request can succeed.
 * `docs/errors.md` is generated from this table and a test fails when it is stale.
 */
export const errorCatalogue = {
  InvalidRequest: { status: 400, azureCode: 'BadRequest', retryable: false, summary: 'A field is missing, has the wrong type or is out of range; `target` names it.' },
  InvalidJson: { status: 400, azureCode: 'BadRequest', retryable: false, summary: 'The body is not well-formed JSON.' },
  InvalidApiVersion: { status: 400, azureCode: 'BadRequest', retryable: false, summary: 'The `api-version` query parameter is missing or not supported.' },
  InvalidExpression: { status: 400, azureCode: 'BadRequest', retryable: false, summary: 'A PowerFx expression in a rule does not parse; the message gives the position.' },
  ReferenceNotFound: { status: 400, azureCode: 'BadRequest', retryable: false, summary: 'The body refers to a policy or queue that does not exist; `target` names the field.' },
  QueueExistsWithDistributionPolicy: { status: 400, azureCode: 'BadRequest', retryable: false, summary: 'A distribution policy cannot be deleted while a queue uses it.' },
  QueueExistsWithExceptionPolicy: { status: 400, azureCode: 'BadRequest', retryable: false, summary: 'An exception policy cannot be deleted while a queue uses it.' },
  ActiveJobWithClassificationPolicyExist: { status: 400, azureCode: 'BadRequest', retryable: false, summary: 'A classification policy cannot be deleted while a job that is not closed or cancelled uses it.' },
  AccessKeyRequired: { status: 400, azureCode: 'BadRequest', retryable: false, summary: 'Worker tokens are signed with the access key, so the server must be started with one to issue them.' },
  Unauthorized: { status: 401, azureCode: 'Unauthorized', retryable: false, summary: 'The request is not authenticated, or its signature or token is not valid.' },
  Forbidden: { status: 403, azureCode: 'Forbidden', retryable: false, summary: 'The credential is valid but may not perform this operation (a worker token acting for another worker).' },
  ConsoleLoopbackOnly: { status: 403, azureCode: 'Forbidden', retryable: false, summary: 'The web console of a server without an access key is served to loopback clients only; start the server with an access key to open it from elsewhere.' },
  NotFound: { status: 404, azureCode: 'NotFound', retryable: false, summary: 'The resource does not exist.' },
  RouteNotFound: { status: 404, azureCode: 'NotFound', retryable: false, summary: 'No operation has this method and path, or no WebSocket operation has this name.' },
  RouterNotFound: { status: 404, azureCode: 'NotFound', retryable: false, summary: 'The path names no router this server hosts. A server started with routers serves each under its own prefix (`/<router>/routing/...`); check the name in the endpoint of the connection string. See docs/scaling.md.' },
  QueueInUse: { status: 409, azureCode: 'Conflict', retryable: false, summary: 'A queue cannot be deleted while it has active jobs, is a classification fallback, or workers listen on it.' },
  JobNotTerminal: { status: 409, azureCode: 'Conflict', retryable: false, summary: 'A job can be deleted only once it is closed or cancelled.' },
  WorkerHasAssignedJobs: { status: 409, azureCode: 'Conflict', retryable: false, summary: 'A worker cannot be deleted while jobs are assigned to it; close them first.' },
  InvalidJobState: { status: 409, azureCode: 'Conflict', retryable: false, summary: 'The job is not in a status that allows this action (for example completing a queued job).' },
  AssignmentNotFound: { status: 404, azureCode: 'NotFound', retryable: false, summary: 'The job has no assignment with this id.' },
  AssignmentNotActive: { status: 409, azureCode: 'Conflict', retryable: false, summary: 'The assignment is already completed, closed or unassigned.' },
  UnassignLimitReached: { status: 409, azureCode: 'Conflict', retryable: false, summary: 'A job may be unassigned at most 3 times.' },
  OfferNotFound: { status: 404, azureCode: 'NotFound', retryable: false, summary: 'The worker has no offer with this id.' },
  OfferNotActive: { status: 409, azureCode: 'Conflict', retryable: false, summary: 'The offer was already accepted, declined, revoked or has expired.' },
  JobNotInQueue: { status: 409, azureCode: 'Conflict', retryable: false, summary: 'The job is not waiting in a queue, so it has no position.' },
  PreconditionFailed: { status: 412, azureCode: 'PreconditionFailed', retryable: false, summary: '`If-Match` or `If-Unmodified-Since` does not hold for the current resource.' },
  PayloadTooLarge: { status: 413, azureCode: 'PayloadTooLarge', retryable: false, summary: 'The body or WebSocket message exceeds the size limit.' },
  UnsupportedMediaType: { status: 415, azureCode: 'UnsupportedMediaType', retryable: false, summary: 'An upsert body must be `application/merge-patch+json` or `application/json`.' },
  HeadersTooLarge: { status: 431, azureCode: 'RequestHeaderFieldsTooLarge', retryable: false, summary: 'The request headers exceed the limit of 16 KiB in total.' },
  ThrottleLimitExceeded: { status: 429, azureCode: 'TooManyRequests', retryable: true, summary: 'The client exceeded its request rate; retry after the `Retry-After` delay.' },
  TooManySubscriptionIds: { status: 400, azureCode: 'BadRequest', retryable: false, summary: 'A transitions subscription names more than 1000 actor ids in `ids`; split them over several subscriptions, or filter by `kinds` instead.' },
  EventsNoLongerAvailable: { status: 410, azureCode: 'Gone', retryable: false, summary: 'Replay was asked from a sequence number older than the retained event history.' },
  SequenceBeyondHead: { status: 409, azureCode: 'Conflict', retryable: false, summary: 'Replay was asked from a sequence number beyond the next one to be given: this router never numbered the events before it (it may run on an older backup than the client saw). Re-read current state, then subscribe from the head.' },
  StoreUnavailable: { status: 503, azureCode: 'ServiceUnavailable', retryable: true, summary: 'A commit to the store failed (disk full, I/O error, read-only file): the change was not made, and the router refuses every request until it is restarted with a working store. Nothing acknowledged is lost.' },
  ShuttingDown: { status: 503, azureCode: 'ServiceUnavailable', retryable: true, summary: 'The server is shutting down and did not process this request, which arrived after the shutdown began; requests received before it are answered first. Retry once the server is back.' },
  NotOwner: { status: 503, azureCode: 'ServiceUnavailable', retryable: true, summary: "No router is served here for this request, and it cannot be sent on yet. On a PostgreSQL standby: another Switchboard owns the database and has not said where it serves (or this is a WebSocket upgrade); a standby otherwise redirects (307). On a cluster node (`--cluster`): no node owns the router at this moment (it is being taken over), or the request was already forwarded once by another node; the answer carries `Retry-After`. Retry: the router is served again within seconds. See docs/scaling.md." },
  OwnerUnresponsive: { status: 504, azureCode: 'GatewayTimeout', retryable: true, summary: "A cluster node forwarded the request to the router's owner, which lost the router before answering, or did not answer within the lease ttl (it is paused, cut off or dying). The request may or may not have taken effect: read before repeating what is not idempotent. If the owner is gone, another node serves the router within seconds. See docs/scaling.md." },
  ConsoleNotBuilt: { status: 503, azureCode: 'ServiceUnavailable', retryable: false, summary: "The web console's assets are not in the package (`dist/console/`); `npm run build` builds them." },
  InternalError: { status: 500, azureCode: 'InternalServerError', retryable: true, summary: 'An unexpected fault; nothing was acknowledged.' },
} as const satisfies Record<string, { status: number; azureCode: string; retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** The wire form of an error (WebSocket `error`, and the inside of REST's `communicationError`). */
export interface RouterErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly target?: string | undefined;
}

/**
 * Thrown by operations when a command is refused. Thrown before anything changes, so a refused command leaves the
 * router as it was.
 */
export class RouterError extends Error {
  readonly code: ErrorCode;
  readonly target: string | undefined;

  constructor(code: ErrorCode, message: string, target?: string) {
    super(message);
    this.name = 'RouterError';
    this.code = code;
    this.target = target;
  }

  get status(): number {
    return errorCatalogue[this.code].status;
  }

  toBody(): RouterErrorBody {
    return this.target === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, target: this.target };
  }
}

/**
 * Turns a zod failure into a refusal naming the first offending field: `InvalidRequest`, or the catalogue code a
 * custom issue carries in `params.code` (see `withCode`).
 */
export function invalidRequestFrom(error: z.ZodError, prefix = ''): RouterError {
  const issue = error.issues[0];
  const path = issue ? issue.path.map(String).join('.') : '';
  const target = [prefix, path].filter(Boolean).join('.');
  const code = issue?.code === 'custom' ? codeOf(issue.params) : undefined;
  return new RouterError(code ?? 'InvalidRequest', issue ? `${target || 'body'}: ${issue.message}` : 'invalid request', target || undefined);
}

/** The parameters of a custom zod issue that `invalidRequestFrom` refuses with `code` instead of `InvalidRequest`. */
export function withCode(code: ErrorCode): { readonly code: ErrorCode } {
  return { code };
}

function codeOf(params: unknown): ErrorCode | undefined {
  const code = (params as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(errorCatalogue, code) ? (code as ErrorCode) : undefined;
}
