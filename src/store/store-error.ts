/**
 * Why a store cannot be opened or used. Thrown by `Store.load` and by adapters' `open`; the CLI reports the message
 * and exits 1. A store that fails while serving makes the router refuse every operation with `StoreUnavailable`
 * (503) instead: memory may then hold changes the store does not.
 */
export type StoreErrorCode =
  /** Another process serves from the same data directory, or owns the same PostgreSQL database. */
  | 'StoreLocked'
  /** The file is not a Switchboard database, or a page or document in it does not decode. Nothing is overwritten. */
  | 'StoreCorrupt'
  /** The data was written by a newer Switchboard, whose layout this version does not know. */
  | 'StoreSchemaTooNew'
  /** The data directory or database cannot be written (read-only file system, permissions). */
  | 'StoreReadOnly'
  /** The store failed while writing: disk full, I/O error. */
  | 'StoreWriteFailed'
  /** The database server (PostgreSQL) cannot be reached, refused the credentials, or the connection to it was lost. */
  | 'StoreUnreachable'
  /** Another Switchboard took the database (PostgreSQL) over after this one's lease lapsed: it may write nothing more. */
  | 'StoreLeaseLost';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
