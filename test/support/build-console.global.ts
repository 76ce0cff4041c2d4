/**
 * Vitest global setup: builds the console into `dist/console/` once before the tests, so the tests that serve it
 * (and the browser tests) always exercise the current sources, not the copy of the last `npm install`.
 */
import { buildConsole } from '../../scripts/build-console.ts';

export default async function setup(): Promise<void> {
  await buildConsole();
}
