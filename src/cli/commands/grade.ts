/** `tts-graph grade`: grade `{"gold": ..., "output": ...}` lines with a task's extractor and grader. */
import { z } from "zod";
import type { Issue } from "../../errors.js";
import { resolveTask } from "../../resolve.js";
import { checkStyle } from "../../tasks/file.js";
import { parseJsonl, throwIssues } from "../../tasks/jsonl.js";
import { Sandbox } from "../../tasks/sandbox.js";
import type { DatasetTask } from "../../tasks/task.js";
import type { Grade, Task, TaskItem } from "../../tasks/types.js";
import { readText, zodIssues } from "../../util/files.js";
import { emit, type Io } from "../output.js";

export interface GradeOptions {
  task: string;
  file: string;
  data?: string;
  style?: string;
  timeout?: number;
  json?: boolean;
}

const PairSchema = z.object({
  output: z.string(),
  gold: z.union([z.string(), z.number(), z.boolean()]).optional(),
  id: z.union([z.string().min(1), z.number().int()]).optional(),
  question: z.string().optional(),
  choices: z.array(z.union([z.string(), z.number()])).min(2).optional(),
  tests: z.union([z.array(z.string()), z.string()]).optional(),
  test: z.string().optional(),
  entry_point: z.string().optional(),
  test_setup_code: z.string().optional(),
});
type Pair = z.infer<typeof PairSchema>;

export interface GradedLine {
  line: number;
  id: string;
  correct: boolean;
  extracted: string | null;
  reason?: string | undefined;
}

function lineNumber(path: string): number {
  return Number(/^line (\d+)/.exec(path)?.[1] ?? 0);
}

function hasItems(task: Task): task is DatasetTask {
  return typeof (task as Partial<DatasetTask>).item === "function";
}

/** The item a pair is graded against: the task's item when an id is given, overridden by the pair's own fields. */
function itemFor(pair: Pair, line: number, task: Task, issues: Issue[]): TaskItem | null {
  const at = `line ${line}`;
  let base: TaskItem | undefined;
  // Look the item up only when the pair lacks what grading needs (built-in data may be absent otherwise).
  const lacksTests = task.style === "code" && pair.tests === undefined && pair.test === undefined;
  if (pair.id !== undefined && hasItems(task) && (pair.gold === undefined || lacksTests)) {
    base = task.item(String(pair.id));
    if (!base) {
      issues.push({ code: "unknown_item", path: `${at}: field "id"`, message: `"${pair.id}" is not an item of task ${task.id}` });
      return null;
    }
  }
  const item: TaskItem = { ...(base ?? { id: pair.id !== undefined ? String(pair.id) : `line-${line}`, question: "", answer: "" }) };
  if (pair.gold !== undefined) item.answer = typeof pair.gold === "boolean" ? (pair.gold ? "yes" : "no") : String(pair.gold);
  if (pair.question !== undefined) item.question = pair.question;
  if (pair.choices) item.choices = pair.choices.map(String);
  const meta: Record<string, unknown> = { ...item.meta };
  for (const k of ["tests", "test", "entry_point", "test_setup_code"] as const) if (pair[k] !== undefined) meta[k] = pair[k];
  if (Object.keys(meta).length > 0) item.meta = meta;
  if (task.style === "code") {
    if (!(meta.test !== undefined || meta.tests !== undefined)) {
      issues.push({ code: "no_tests", path: at, message: `code needs tests: give the "id" of a ${task.id} item, or "tests" (asserts) or "test" with "entry_point"` });
      return null;
    }
  } else if (pair.gold === undefined && !base) {
    issues.push({ code: "missing_field", path: at, message: `missing field "gold" (the gold answer), or an "id" of a ${task.id} item` });
    return null;
  }
  return item;
}

export async function gradeCommand(opts: GradeOptions, io: Io): Promise<void> {
  const sandbox = new Sandbox({ timeoutMs: opts.timeout !== undefined ? opts.timeout * 1000 : undefined });
  const task = resolveTask(opts.task, { dataDir: opts.data, style: opts.style === undefined ? undefined : checkStyle(opts.style), sandbox });
  const issues: Issue[] = [];
  const records = parseJsonl(readText(opts.file, "pairs file"), issues);
  const jobs: { line: number; item: TaskItem; output: string }[] = [];
  for (const { line, value } of records) {
    const r = PairSchema.safeParse(value);
    if (!r.success) {
      for (const i of zodIssues(r.error)) issues.push({ code: i.code, path: `line ${line}${i.path ? `: field "${i.path}"` : ""}`, message: i.message });
      continue;
    }
    const item = itemFor(r.data, line, task, issues);
    if (item) jobs.push({ line, item, output: r.data.output });
  }
  if (issues.length > 0) throwIssues(opts.file, issues.sort((a, b) => lineNumber(a.path) - lineNumber(b.path)), "pairs file");
  if (jobs.length > 0 && task.style === "code") {
    const mode = sandbox.mode() === "bwrap" ? "inside bubblewrap" : "as a guarded process, bubblewrap not in use";
    io.stderr(`running the tests of ${jobs.length} output${jobs.length === 1 ? "" : "s"} in the Python sandbox (${mode})...\n`);
  }
  const grades: Grade[] = await Promise.all(jobs.map((j) => task.grade(j.item, j.output)));
  const results: GradedLine[] = jobs.map((j, k) => ({
    line: j.line,
    id: j.item.id,
    correct: grades[k]!.correct,
    extracted: grades[k]!.extracted,
    ...(grades[k]!.reason ? { reason: grades[k]!.reason } : {}),
  }));
  const correct = results.filter((r) => r.correct).length;
  const unreadable = results.filter((r) => r.extracted === null).length;
  const summary = { graded: results.length, correct, wrong: results.length - correct, unreadable, accuracy: results.length ? correct / results.length : null };
  emit(io, opts.json, { task: task.id, style: task.style, file: opts.file, results, summary }, () => {
    const short = (s: string | null) => (s === null ? "(none)" : JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s));
    const lines = results.map((r) => `line ${r.line}  ${r.id}  ${r.correct ? "correct" : r.extracted === null ? "no answer" : "wrong"}  extracted ${short(r.extracted)}${r.reason ? `  (${r.reason})` : ""}`);
    const pct = summary.accuracy === null ? "n/a" : `${(summary.accuracy * 100).toFixed(1)}%`;
    lines.push(
      `graded ${summary.graded}: ${summary.correct} correct, ${summary.wrong} wrong, ${summary.unreadable} of them with no readable answer (accuracy ${pct}) on task ${task.id} (${task.style})`,
    );
    return lines.join("\n");
  });
}
