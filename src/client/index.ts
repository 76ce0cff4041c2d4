/**
 * The typed WebSocket client of Switchboard.
 *
 * @module
 */
export { SwitchboardClient, type CloseInfo, type ConnectOptions } from './switchboard-client.ts';
export { ReconnectingClient, type ReconnectOptions } from './reconnecting-client.ts';
export { SwitchboardError, type SwitchboardErrorCode } from './switchboard-error.ts';
export type {
  ActorState,
  AttachWorkerOptions,
  CallArgs,
  CallResult,
  EventFilter,
  EventHandler,
  MergePatch,
  OfferEvent,
  Subscription,
  Transition,
  TransitionFilter,
} from './types.ts';
