import type { DefinitionNode } from './chart-model.ts';
import type { Feed } from './feed.ts';

/** A machine as `GET /machines` lists it. */
export interface MachineExport {
  readonly id: string;
  readonly definition: DefinitionNode;
  readonly events: readonly string[];
  readonly guards: readonly string[];
  readonly actions: readonly string[];
}

/** What every view is given. */
export interface ViewContext {
  readonly feed: Feed;
  readonly machines: ReadonlyMap<string, MachineExport>;
  /** The path after the view's name, decoded (`#/job/j1` → `["j1"]`). */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** Says something to screen-reader users and shows it in the status line. */
  announce(text: string): void;
}

/** A view draws itself into `main` and returns what stops it (subscriptions, timers). */
export type View = (main: HTMLElement, context: ViewContext) => Promise<() => void>;
