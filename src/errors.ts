/**
 * Error types shared by every layer. Errors carry a stable `code` and, for user errors, the list of
 * every issue found (not only the first), so the CLI can print all problems at once and `--json`
 * can return them as data.
 */

const MARKER = Symbol.for("tts-graph.error");

/** One problem found in user input: a stable code, a path to the offending field, and a message. */
export interface Issue {
  /** Machine-readable code, e.g. `cycle`, `unknown_model`, `invalid_type`. */
  code: string;
  /** Where the problem is: a field path like `nodes[3].model`, or `line 12`. */
  path: string;
  /** What was found and what was expected. */
  message: string;
}

/**
 * Base class of every error this package throws on purpose.
 *
 * @example
 * ```ts
 * import { TtsGraphError, loadGraphFile } from "tts-graph";
 *
 * try {
 *   loadGraphFile("graph.json");
 * } catch (err) {
 *   // Also true for errors thrown by another copy of the package, where instanceof fails.
 *   if (TtsGraphError.isInstance(err)) console.error(err.code, err.message);
 * }
 * ```
 */
export class TtsGraphError extends Error {
  readonly [MARKER] = true;
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TtsGraphError";
    this.code = code;
  }

  /** Works across duplicate copies of the package, where `instanceof` fails. */
  static isInstance(value: unknown): value is TtsGraphError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/**
 * A problem with what the user gave us (a file, a flag, a config). The CLI exits with code 2 and
 * prints the source and every issue.
 *
 * @example
 * ```ts
 * import { UserError, parseGraph } from "tts-graph";
 *
 * try {
 *   parseGraph({ version: 1, nodes: [], edges: [], output: "x" });
 * } catch (err) {
 *   if (err instanceof UserError) console.error(err.format()); // the message and one line per issue
 * }
 * ```
 */
export class UserError extends TtsGraphError {
  readonly issues: Issue[];
  /** The file or flag the issues are about, when there is one. */
  readonly source: string | undefined;

  constructor(message: string, options: { issues?: Issue[]; source?: string; code?: string; cause?: unknown } = {}) {
    super(options.code ?? "user_error", message, { cause: options.cause });
    this.name = "UserError";
    this.issues = options.issues ?? [];
    this.source = options.source;
  }

  /** The message followed by one line per issue, as the CLI prints it. */
  format(): string {
    const head = this.source && !this.message.includes(this.source) ? `${this.source}: ${this.message}` : this.message;
    if (this.issues.length === 0) return head;
    return [head, ...this.issues.map((i) => `  - ${i.path ? `${i.path}: ` : ""}${i.message} [${i.code}]`)].join("\n");
  }
}

/** A graph is invalid: the issues name the node or edge. */
export class GraphValidationError extends UserError {
  constructor(message: string, issues: Issue[], source?: string) {
    super(message, { issues, source, code: "graph_invalid" });
    this.name = "GraphValidationError";
  }
}

/** A graph costs more than the budget allows, checked before any model is called. */
export class BudgetExceededError extends TtsGraphError {
  constructor(
    message: string,
    readonly cost: number,
    readonly limit: number,
  ) {
    super("over_budget", message);
    this.name = "BudgetExceededError";
  }
}

/** A bug: something that should be impossible happened. */
export class InternalError extends TtsGraphError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("internal", message, options);
    this.name = "InternalError";
  }
}
