import type { RouterEvent } from '../../src/protocol/events.schemas.ts';
import type { EventIndex } from './event-index.ts';
import type { Snapshot } from './history.ts';
import type { AckLedger } from './ledger.ts';

/** Everything a trial's checks look at. */
export interface TrialEvidence {
  readonly ledger: AckLedger;
  /** The restarted server's resources, read at a quiet moment. */
  readonly snapshot: Snapshot;
  /** Its event history from sequence number 1, as replayed and then pushed live. */
  readonly history: readonly RouterEvent[];
  readonly index: EventIndex;
  /** Events a subscriber received from the first server before it was killed: each was committed. */
  readonly observedBeforeKill: readonly RouterEvent[];
  /** When the second server was started, epoch ms: every event of the first one is older. */
  readonly restartedAt: number;
}
