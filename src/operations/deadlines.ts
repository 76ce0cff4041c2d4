/**
 * What happens when a deadline is due, for every kind of deadline the router arms (`src/engine/deadline-kinds.ts`
 * names them and their keys). The engine runs each handler as a command of its own. A new kind is added there and
 * here; the table's type refuses to compile without its handler.
 */
import type { Engine } from '../engine/engine.ts';
import type { DeadlineTable } from '../engine/deadline-kinds.ts';
import { waitTimeDue } from '../policy/exceptions.ts';
import { scheduleDue } from '../policy/scheduling.ts';
import { expireSelectors } from '../policy/selector-expiry.ts';
import { closeDue } from './jobs.ts';

export function deadlineHandlers(engine: Engine): DeadlineTable {
  return {
    offer: (offerId, at) => engine.offers.end(offerId, 'expired', at),
    retry: (key) => engine.offers.retryDue(key),
    close: (jobId, at) => closeDue(engine, jobId, at),
    schedule: (jobId, at) => scheduleDue(engine, jobId, at),
    selectors: (jobId, at) => expireSelectors(engine, jobId, at),
    exception: (key, at) => waitTimeDue(engine, key, at),
  };
}
