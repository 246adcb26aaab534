/** Catching the user errors that tests assert on. */
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
