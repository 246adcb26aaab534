/**
 * How a command asks for an exit code after it has shown its own message. It sits below the
 * commands and `main.ts`, so commands never import the entry point.
 */

/** Exit with this code; the message was already shown. */
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
