import { expect } from 'vitest';
import { type ErrorCode, RouterError } from '../../src/errors.ts';

/** Asserts that a command is refused with `code` (a `RouterError`, never any other throw). */
export async function expectRefusal(command: Promise<unknown>, code: ErrorCode): Promise<RouterError> {
  const error: unknown = await command.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected a refusal with ${code}`).toBeInstanceOf(RouterError);
  expect((error as RouterError).code).toBe(code);
  return error as RouterError;
}
