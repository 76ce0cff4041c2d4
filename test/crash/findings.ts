/**
 * What a check found. `lost`: something the server acknowledged is not there after the restart. `violation`: the
 * restarted state or its history breaks an invariant (half-applied change, capacity, single assignment, offers
 * ending once, gapless numbering, a deadline that did not fire).
 */
export interface Finding {
  readonly kind: 'lost' | 'violation';
  /** The check's name, as in docs/crash-testing.md. */
  readonly check: string;
  readonly message: string;
}
