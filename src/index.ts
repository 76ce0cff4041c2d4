/**
 * The package entry point, `import … from 'switchboard'`: the router in process, its stores, the REST and
 * WebSocket faces to serve it over the network, and the wire types. The typed WebSocket client is also at
 * `'switchboard/client'`.
 *
 * @module
 */
export { Router, type EmptyResult, type RouterOptions } from './router.ts';
export { RouterError, type ErrorCode, type RouterErrorBody } from './errors.ts';
export type { UpsertResult } from './operations/admin.ts';
export type { Page, PageRequest } from './operations/paging.ts';
export type { Preconditions } from './operations/preconditions.ts';
export type { EventFilter, EventListener, Unsubscribe } from './engine/event-log.ts';
export { ManualClock, systemClock, type Clock } from './engine/clock.ts';

export { MemoryStore, type MemoryStoreOptions } from './store/memory-store.ts';
export { SqliteStore, type SqliteStoreOptions, type SyncLevel } from './store/sqlite-store.ts';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres-store.ts';
export { StoreError, type StoreErrorCode } from './store/store-error.ts';
export type { Store } from './store/store.ts';

export { startServer, ServerConfigError, type RunningServer, type ServerOptions } from './gateway/server.ts';
export { createWsGateway, WS_PATH, type WsGateway, type WsGatewayOptions } from './gateway/ws/gateway.ts';

export {
  ReconnectingClient,
  SwitchboardClient,
  SwitchboardError,
  type AttachWorkerOptions,
  type CallArgs,
  type CallResult,
  type CloseInfo,
  type ConnectOptions,
  type EventHandler,
  type MergePatch,
  type OfferEvent,
  type ReconnectOptions,
  type Subscription,
  type SwitchboardErrorCode,
  type Transition,
} from './client/index.ts';

// The wire shapes, as the zod schemas infer them.
export type {
  AcceptJobOfferResult,
  CancelJobOptions,
  CloseJobOptions,
  CompleteJobOptions,
  DeclineJobOfferOptions,
  UnassignJobOptions,
  UnassignJobResult,
} from './protocol/actions.schemas.ts';
export type { ClassificationPolicy, QueueSelectorAttachment, WorkerSelectorAttachment } from './protocol/classification-policy.schemas.ts';
export type { LabelOperator, Labels, RouterQueueSelector, RouterValue, RouterWorkerSelector } from './protocol/common.schemas.ts';
export type { DistributionMode, DistributionPolicy, ScoringRuleOptions } from './protocol/distribution-policy.schemas.ts';
export type { RouterEvent, RouterEventType } from './protocol/events.schemas.ts';
export type { ExceptionAction, ExceptionPolicy, ExceptionRule, ExceptionTrigger } from './protocol/exception-policy.schemas.ts';
export type {
  JobMatchingMode,
  RouterJob,
  RouterJobAssignment,
  RouterJobNote,
  RouterJobPositionDetails,
  RouterJobStatus,
  RouterJobStatusSelector,
} from './protocol/job.schemas.ts';
export type { RouterQueue, RouterQueueStatistics } from './protocol/queue.schemas.ts';
export type { RouterRule } from './protocol/rules.schemas.ts';
export type { RouterChannel, RouterJobOffer, RouterWorker, RouterWorkerAssignment, RouterWorkerState } from './protocol/worker.schemas.ts';
