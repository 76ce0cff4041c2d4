/**
 * Every machine's definition as XState itself describes it (`machine.toJSON()`), made JSON-safe, for `GET /machines`,
 * `switchboard machines --json` and the console's state charts. Built from the machines at run time, so a changed
 * machine shows up without touching anything else.
 *
 * @module
 */
import type { AnyStateMachine } from 'xstate';
import { jobMachine } from '../../machines/job.machine.ts';
import { offerMachine } from '../../machines/offer.machine.ts';
import { queueMachine } from '../../machines/queue.machine.ts';
import { workerMachine } from '../../machines/worker.machine.ts';

/** The kinds of actor the router runs, each with its machine. */
export const MACHINES = { job: jobMachine, offer: offerMachine, worker: workerMachine, queue: queueMachine } as const;

/** One machine, as `GET /machines` lists it. */
export interface MachineExport {
  /** The machine's id (`job`, `offer`, `worker`, `queue`), also the actor kind it drives. */
  readonly id: string;
  /** `machine.toJSON()`: the definition XState produces (what Stately's inspector reads), JSON-safe. */
  readonly definition: Record<string, unknown>;
  /** Every event type some transition of the machine takes, sorted. */
  readonly events: readonly string[];
  /** The named guards and actions the machine's `setup` declares, sorted. */
  readonly guards: readonly string[];
  readonly actions: readonly string[];
}

/**
 * XState keeps higher-order guards (`and`, `or`, `not`) as functions holding their parts, which JSON would drop.
 * They are written as `{type: "xstate.and", guards: [...]}`, the way XState names its own built-ins; everything else
 * in a definition is already data, and any other function is written by its name.
 */
function jsonSafe(key: string, value: unknown): unknown {
  if (typeof value !== 'function') return value;
  // A transition's own serializer, spread into what it returns; JSON drops it too.
  if (key === 'toJSON') return undefined;
  const parts = (value as { guards?: unknown }).guards;
  if (Array.isArray(parts) && ['and', 'or', 'not'].includes(value.name)) return { type: `xstate.${value.name}`, guards: parts };
  return { type: (value as { type?: unknown }).type ?? (value.name || 'inline') };
}

function eventTypes(node: Record<string, unknown>, into: Set<string>): Set<string> {
  for (const transition of (node['transitions'] as Array<{ eventType: string }> | undefined) ?? []) into.add(transition.eventType);
  for (const child of Object.values((node['states'] as Record<string, Record<string, unknown>> | undefined) ?? {})) eventTypes(child, into);
  return into;
}

/** One machine's export. */
export function exportMachine(machine: AnyStateMachine): MachineExport {
  const definition = JSON.parse(JSON.stringify(machine.toJSON(), jsonSafe)) as Record<string, unknown>;
  const { guards = {}, actions = {} } = machine.implementations as { guards?: object; actions?: object };
  return {
    id: machine.id,
    definition,
    events: [...eventTypes(definition, new Set())].filter((type) => type !== '').sort(),
    guards: Object.keys(guards).sort(),
    actions: Object.keys(actions).sort(),
  };
}

/** Every machine of the router, in a fixed order: job, offer, worker, queue. */
export function exportMachines(): MachineExport[] {
  return Object.values(MACHINES).map(exportMachine);
}
