import { configured, type WorkerContext } from '../../machines/worker.machine.ts';
import type { JobContext, JobData } from '../../machines/job.machine.ts';
import type { RouterJobStatus } from '../protocol/job.schemas.ts';
import type { JobPolicyState } from '../policy/job-policy-state.ts';
import type { DocumentKind, StoredDocument } from '../store/store.ts';
import { StoreError } from '../store/store-error.ts';
import type { JobRecord, StoredResource, WorkerRecord } from './records.ts';

/**
 * The persisted form of every document: plain JSON with a version. Only the core of a record is kept and the rest is
 * derived again when it is read (a worker's matching view is rebuilt from its configuration and what it holds), so a
 * store that round-trips through JSON reopens exactly the state it was given.
 *
 * Bump {@link DOCUMENT_VERSION} when a persisted shape changes, and add the step from the previous version to
 * `upgrades`: documents are upgraded as they are read, and a document newer than this code is refused.
 */
export const DOCUMENT_VERSION = 1;

/** `upgrades[n - 1]` turns a version `n` document into version `n + 1`; applied in order as older documents are read. */
const upgrades: ReadonlyArray<(doc: Record<string, unknown>) => Record<string, unknown>> = [];

interface JobDocument {
  readonly v: number;
  readonly status: RouterJobStatus;
  readonly context: JobContext;
  readonly enqueueSeq: number;
  /** Worker id → epoch ms it may be offered the job again; `null` for never (JSON has no Infinity). */
  readonly declines?: Readonly<Record<string, number | null>>;
  readonly policy?: JobPolicyState;
  readonly etag: string;
  readonly lastModified: number;
}

interface WorkerDocument {
  readonly v: number;
  readonly state: WorkerRecord['state'];
  readonly worker: Pick<WorkerContext, 'id' | 'config' | 'offers' | 'assignments' | 'availableSince' | 'active'>;
  readonly etag: string;
  readonly lastModified: number;
}

interface ResourceDocument {
  readonly v: number;
  readonly resource: unknown;
  readonly etag: string;
  readonly lastModified: number;
}

/** What a document of each kind decodes to. */
export interface DecodedDocuments {
  readonly job: JobRecord;
  readonly worker: WorkerRecord;
  readonly queue: StoredResource<unknown>;
  readonly distributionPolicy: StoredResource<unknown>;
  readonly classificationPolicy: StoredResource<unknown>;
  readonly exceptionPolicy: StoredResource<unknown>;
  readonly eventSubscription: StoredResource<unknown>;
  readonly deadLetter: StoredResource<unknown>;
}

export function encodeJob(record: JobRecord): StoredDocument {
  const { status, context, enqueueSeq, declines, policy, etag, lastModified } = record;
  const doc: { -readonly [K in keyof JobDocument]: JobDocument[K] } = { v: DOCUMENT_VERSION, status, context, enqueueSeq, etag, lastModified };
  if (declines) {
    const encoded: Record<string, number | null> = {};
    for (const [workerId, retryAt] of Object.entries(declines)) encoded[workerId] = Number.isFinite(retryAt) ? retryAt : null;
    doc.declines = encoded;
  }
  if (policy) doc.policy = policy;
  return doc as unknown as StoredDocument;
}

export function encodeWorker(record: WorkerRecord): StoredDocument {
  const { id, config, offers, assignments, availableSince, active } = record.context;
  const doc: WorkerDocument = {
    v: DOCUMENT_VERSION,
    state: record.state,
    worker: { id, config, offers, assignments, availableSince, active },
    etag: record.etag,
    lastModified: record.lastModified,
  };
  return doc as unknown as StoredDocument;
}

export function encodeResource(stored: StoredResource<unknown>): StoredDocument {
  const doc: ResourceDocument = { v: DOCUMENT_VERSION, resource: stored.resource, etag: stored.etag, lastModified: stored.lastModified };
  return doc as unknown as StoredDocument;
}

/**
 * Reads a stored document back into the record the engine holds. With `fresh` (the document is the caller's own, as
 * one parsed from text is), a job's empty collections and default matching mode are replaced in place by shared
 * frozen values equal to them: a million restored jobs then hold six fewer objects each, which is both less heap
 * and less for the garbage collector to copy while they are read.
 *
 * @throws StoreError `StoreSchemaTooNew` for a document written by a newer version, `StoreCorrupt` for one that does
 *   not have the shape of its kind
 */
export function decodeDocument<K extends DocumentKind>(kind: K, id: string, stored: StoredDocument, fresh = false): DecodedDocuments[K] {
  const doc = upgraded(kind, id, stored);
  if (typeof doc['etag'] !== 'string' || typeof doc['lastModified'] !== 'number') throw corrupt(kind, id, 'no etag or lastModified');
  switch (kind) {
    case 'job': {
      const job = doc as unknown as JobDocument;
      if (typeof job.status !== 'string' || !isObject(job.context) || !isObject(job.context.job) || typeof job.enqueueSeq !== 'number')
        throw corrupt(kind, id, 'not a job record');
      if (fresh) shareDefaults(job.context.job);
      return decodeJob(job) as DecodedDocuments[K];
    }
    case 'worker': {
      const worker = doc as unknown as WorkerDocument;
      if (typeof worker.state !== 'string' || !isObject(worker.worker) || !isObject(worker.worker.config)) throw corrupt(kind, id, 'not a worker record');
      const context = configured(worker.worker);
      return { state: worker.state, context, etag: worker.etag, lastModified: worker.lastModified } as DecodedDocuments[K];
    }
    default: {
      const resource = doc as unknown as ResourceDocument;
      if (!isObject(resource.resource)) throw corrupt(kind, id, 'no resource');
      return { resource: resource.resource, etag: resource.etag, lastModified: resource.lastModified } as DecodedDocuments[K];
    }
  }
}

function decodeJob(doc: JobDocument): JobRecord {
  const { context } = doc;
  let declines: Record<string, number> | undefined;
  if (doc.declines) {
    declines = {};
    for (const [workerId, retryAt] of Object.entries(doc.declines)) declines[workerId] = retryAt ?? Infinity;
  }
  return {
    status: doc.status,
    context: {
      job: context.job,
      unassignmentCount: context.unassignmentCount ?? 0,
      assignmentId: context.assignmentId ?? undefined,
      pendingClose: context.pendingClose ?? undefined,
    },
    enqueueSeq: doc.enqueueSeq,
    declines,
    policy: doc.policy,
    etag: doc.etag,
    lastModified: doc.lastModified,
  };
}

const EMPTY_RECORD: Readonly<Record<string, never>> = Object.freeze({});
const EMPTY_LIST: readonly never[] = Object.freeze([]);
const QUEUE_AND_MATCH: Readonly<JobData['matchingMode']> = Object.freeze({ kind: 'queueAndMatch' });

/**
 * Replaces what most jobs hold empty (labels, tags, notes, selectors, assignments) and the default matching mode by
 * shared frozen values. Jobs are never changed in place (the job machine builds new objects), so sharing is safe.
 */
function shareDefaults(job: JobData): void {
  const shared = job as { -readonly [K in keyof JobData]: unknown };
  if (isEmptyRecord(job.labels)) shared.labels = EMPTY_RECORD;
  if (isEmptyRecord(job.tags)) shared.tags = EMPTY_RECORD;
  if (isEmptyRecord(job.assignments)) shared.assignments = EMPTY_RECORD;
  if (isEmptyList(job.notes)) shared.notes = EMPTY_LIST;
  if (isEmptyList(job.requestedWorkerSelectors)) shared.requestedWorkerSelectors = EMPTY_LIST;
  if (isEmptyList(job.attachedWorkerSelectors)) shared.attachedWorkerSelectors = EMPTY_LIST;
  const mode = job.matchingMode as unknown;
  if (isObject(mode) && mode['kind'] === 'queueAndMatch' && hasOneKey(mode)) shared.matchingMode = QUEUE_AND_MATCH;
}

function isEmptyRecord(value: unknown): boolean {
  if (!isObject(value)) return false;
  for (const _ in value) return false;
  return true;
}

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

function hasOneKey(value: Record<string, unknown>): boolean {
  let keys = 0;
  for (const _ in value) keys++;
  return keys === 1;
}

function upgraded(kind: DocumentKind, id: string, doc: StoredDocument): Record<string, unknown> {
  const version = doc.v;
  if (!Number.isInteger(version) || version < 1)
    throw new StoreError('StoreCorrupt', `stored ${kind} ${JSON.stringify(id)} has no valid version`);
  if (version > DOCUMENT_VERSION)
    throw new StoreError(
      'StoreSchemaTooNew',
      `stored ${kind} ${JSON.stringify(id)} has document version ${version}; this Switchboard reads up to ${DOCUMENT_VERSION}`,
    );
  let current: Record<string, unknown> = doc;
  for (let from = version; from < DOCUMENT_VERSION; from++) current = upgrades[from - 1]!(current);
  return current;
}

// Module-level, not a closure per call: decoding runs once per stored document at start-up.
function corrupt(kind: DocumentKind, id: string, what: string): StoreError {
  return new StoreError('StoreCorrupt', `stored ${kind} ${JSON.stringify(id)}: ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
