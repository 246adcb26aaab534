/**
 * The only place that parses argv, catches errors and decides the exit code:
 * 0 success, 1 runtime failure, 2 usage or input error (every issue listed), and a bug notice for
 * internal errors.
 */
import { CommanderError } from "commander";
import { InternalError, TtsGraphError, UserError } from "../errors.js";
import { buildProgram } from "./program.js";
import { ExitError } from "./exit.js";
import { processIo, type Io } from "./output.js";

/** Run the CLI with `argv` (as in `process.argv`). Resolves to the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const json = argv.includes("--json");
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    return reportError(err, io, json);
  }
}

function reportError(err: unknown, io: Io, json: boolean): number {
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof CommanderError) {
    // Help and version exit 0; everything else commander rejects is a usage error.
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
    if (json) io.stdout(JSON.stringify({ error: { code: "usage", message: err.message } }) + "\n");
    return 2;
  }
  if (err instanceof UserError) {
    io.stderr(`error: ${err.format()}\n`);
    if (json) io.stdout(JSON.stringify({ error: { code: err.code, message: err.message, source: err.source, issues: err.issues } }, null, 2) + "\n");
    return 2;
  }
  if (err instanceof InternalError) {
    io.stderr(`internal error (this is a bug in tts-graph, please report it): ${err.message}\n${err.stack ?? ""}\n`);
  } else if (TtsGraphError.isInstance(err)) {
    io.stderr(`error: ${err.message}\n`);
  } else {
    io.stderr(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  if (json) {
    const e = err as { code?: string; message?: string };
    io.stdout(JSON.stringify({ error: { code: e.code ?? "runtime", message: e.message ?? String(err) } }) + "\n");
  }
  return 1;
}
