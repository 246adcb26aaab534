/**
 * Turning a completion into the program that tests it, for the two test layouts:
 * HumanEval (`prompt + completion + test + check(entry_point)`) and MBPP (`completion +
 * test_setup_code + asserts`). A JSONL task uses whichever fields it has.
 */
import { UserError } from "../errors.js";
import { escapeRegExp } from "./extract.js";
import type { TaskItem } from "./types.js";

/** The tests of a code item, read from its `meta`. */
export interface CodeTests {
  /** HumanEval: code defining `check(candidate)`. */
  test?: string | undefined;
  /** HumanEval: the function the completion must define. */
  entryPoint?: string | undefined;
  /** MBPP: assert statements. */
  asserts?: string[] | undefined;
  /** MBPP: code run before the asserts. */
  setup?: string | undefined;
}

export function codeTests(item: TaskItem): CodeTests | null {
  const m = item.meta ?? {};
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const asserts = Array.isArray(m.tests) && m.tests.every((t) => typeof t === "string") ? (m.tests as string[]) : typeof m.tests === "string" ? [m.tests] : undefined;
  const t: CodeTests = { test: str(m.test), entryPoint: str(m.entry_point), asserts, setup: str(m.test_setup_code) };
  return t.test || (t.asserts && t.asserts.length > 0) ? t : null;
}

/** True when the code defines `name` at top level. */
export function definesFunction(code: string, name: string): boolean {
  return new RegExp(`^def\\s+${escapeRegExp(name)}\\s*\\(`, "m").test(code);
}

/**
 * A function body the model dedented (`return x` at column 0) is re-indented under the prompt's
 * signature; an already indented body is left alone.
 */
function asBody(code: string): string {
  const lines = code.replace(/\r\n/g, "\n").split("\n");
  const first = lines.find((l) => l.trim() !== "");
  if (!first || /^\s/.test(first)) return code;
  return lines.map((l) => (l.trim() === "" ? l : `    ${l}`)).join("\n");
}

/**
 * The program that runs `code` against the item's tests. HumanEval: the prompt (imports, helpers,
 * signature) comes first; a completion that defines the entry point itself replaces the prompt's
 * body-less definition, one that is only the body continues it.
 */
export function buildTestProgram(item: TaskItem, code: string): string {
  const tests = codeTests(item);
  if (!tests) {
    throw new UserError(`item ${item.id} has no tests to grade code with: expected "test" (with "entry_point") or "tests" (assert lines)`, {
      code: "no_tests",
    });
  }
  if (tests.test && tests.entryPoint) {
    const prompt = item.question.endsWith("\n") ? item.question : item.question + "\n";
    const body = definesFunction(code, tests.entryPoint) ? `\n${code}` : asBody(code);
    return `${prompt}${body}\n\n${tests.test}\n\ncheck(${tests.entryPoint})\n`;
  }
  const parts = [code];
  if (tests.setup) parts.push(tests.setup);
  if (tests.test) parts.push(tests.test);
  if (tests.asserts) parts.push(tests.asserts.join("\n"));
  return parts.join("\n\n") + "\n";
}
