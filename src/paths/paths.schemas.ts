/**
 * The shape of `switchboard paths --json`, stable so that a client's test generator can rely on it: a new field may
 * be added, none is renamed or removed without a major version.
 *
 * @module
 */
import { z } from 'zod';

export const ClientStepSchema = z
  .object({
    by: z.enum(['client', 'time']).describe('client: call `operation` with `args`; time: wait until the step’s `state` is reached'),
    operation: z.string().optional().describe('an operation of the operations table (`upsertJob`, `acceptJobOffer`, …), as REST and WebSocket name it'),
    args: z.record(z.string(), z.unknown()).optional().describe('path parameters and body fields in one object; `$name` values are placeholders'),
    description: z.string(),
  })
  .strict();
export type ClientStep = z.infer<typeof ClientStepSchema>;

export const PathStepSchema = ClientStepSchema.extend({
  label: z.string().describe('the step’s name, unique within its machine'),
  events: z.array(z.string()).min(1).describe('the machine events the router sends for it, in order'),
  state: z.string().describe('the machine’s state once the step is done'),
}).strict();
export type PathStep = z.infer<typeof PathStepSchema>;

export const MachinePathSchema = z
  .object({
    name: z.string(),
    target: z.string().describe('the state the path ends in: a job’s status, an offer’s outcome, a worker’s state'),
    steps: z.array(PathStepSchema).min(1),
  })
  .strict();
export type MachinePath = z.infer<typeof MachinePathSchema>;

export const MachinePathsSchema = z
  .object({
    machine: z.enum(['job', 'offer', 'worker']),
    strategy: z.literal('shortest-path-to-every-transition'),
    initial: z.string().describe('the machine’s initial state, where every path starts'),
    start: z.string().describe('what the initial state stands for once `setup` is done'),
    setup: z.array(ClientStepSchema).describe('performed before every path, with the same placeholders'),
    placeholders: z.record(z.string(), z.string()).describe('every `$name` the arguments use, and what it stands for'),
    paths: z.array(MachinePathSchema),
  })
  .strict();
export type MachinePaths = z.infer<typeof MachinePathsSchema>;
