// @ts-check
// The SQLite store's writer, in its own thread so that fsync never blocks the event loop. Plain JavaScript, so the
// thread loads without a TypeScript loader whichever way the process was started. The main thread has already
// created and migrated the database; this thread only applies batches, one transaction each, in the order sent.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * @typedef {{ path: string, synchronous: 'FULL' | 'NORMAL', maxPageCount: number | undefined }} WriterConfig
 * @typedef {{
 *   id: number,
 *   puts: Array<[kind: string, id: string, doc: string]>,
 *   deletes: Array<[kind: string, id: string]>,
 *   events: Array<[sequence: number, at: number, event: string]>,
 *   lastSequence: number,
 *   keepFromSequence: number,
 *   keepNewerThan: number | null,
 * }} WriteRequest
 */

const config = /** @type {WriterConfig} */ (workerData);
const port = parentPort;
if (!port) throw new Error('the SQLite writer runs in a worker thread');

const db = new Database(config.path, { timeout: 5000 });
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${config.synchronous}`);
if (config.maxPageCount !== undefined) db.pragma(`max_page_count = ${config.maxPageCount}`);

const putDocument = db.prepare('INSERT INTO documents (kind, id, doc) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc');
const deleteDocument = db.prepare('DELETE FROM documents WHERE kind = ? AND id = ?');
const insertEvent = db.prepare('INSERT INTO events (sequence, at, event) VALUES (?, ?, ?)');
const setLastSequence = db.prepare("UPDATE meta SET value = ? WHERE key = 'lastSequence'");
const pruneByCount = db.prepare('DELETE FROM events WHERE sequence < ?');
// Events are appended in time order, so the first one young enough to keep bounds the ones to drop.
const pruneByAge = db.prepare(
  'DELETE FROM events WHERE sequence < coalesce((SELECT sequence FROM events WHERE at >= ? ORDER BY sequence LIMIT 1), ?)',
);
const oldestEvent = db.prepare('SELECT min(sequence) AS oldest FROM events').pluck();

const write = db.transaction((/** @type {WriteRequest} */ request) => {
  for (const [kind, id, doc] of request.puts) putDocument.run(kind, id, doc);
  for (const [kind, id] of request.deletes) deleteDocument.run(kind, id);
  for (const [sequence, at, event] of request.events) insertEvent.run(sequence, at, event);
  if (request.events.length > 0) setLastSequence.run(request.lastSequence);
  pruneByCount.run(request.keepFromSequence);
  if (request.keepNewerThan !== null) pruneByAge.run(request.keepNewerThan, request.lastSequence + 1);
  return /** @type {number | null} */ (oldestEvent.get()) ?? request.lastSequence + 1;
});

port.on('message', (/** @type {WriteRequest | { id: number, close: true }} */ message) => {
  if ('close' in message) {
    db.close();
    port.postMessage({ id: message.id, ok: true });
    port.close();
    return;
  }
  try {
    port.postMessage({ id: message.id, ok: true, oldest: write(message) });
  } catch (error) {
    const { code, message: text } = /** @type {{ code?: string, message?: string }} */ (error);
    port.postMessage({ id: message.id, ok: false, code: code ?? 'UNKNOWN', message: text ?? String(error) });
  }
});
