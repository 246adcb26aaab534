/** Catching the user errors and API errors that tests assert on. */
import { APIError } from "openai";
import { expect } from "vitest";
import { UserError } from "../../src/errors.js";

/** The user error thrown by `fn`; any other outcome fails the test. */
export function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error("expected a UserError");
}

/** The error an `openai` client call raised, which must be an APIError. */
export async function apiError(p: Promise<unknown>): Promise<APIError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(APIError);
  return err as APIError;
}
