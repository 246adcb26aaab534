/**
 * Reading task items from JSONL: one JSON object a line, with a field mapping so any file can be
 * used as it is. Every problem (bad JSON, a missing field, a wrong type, a duplicate id) is reported
 * at once, each naming the file and line.
 */
import { z } from "zod";
import { UserError, type Issue } from "../errors.js";
import { readText } from "../util/files.js";
import type { TaskItem, TaskStyle } from "./types.js";

/** Which field of a record holds what. `id: "#line"` numbers items by line instead. */
export interface TaskFieldMap {
  id?: string | undefined;
  question?: string | undefined;
  answer?: string | undefined;
  choices?: string | undefined;
}

export const DEFAULT_FIELDS: Required<TaskFieldMap> = { id: "id", question: "question", answer: "answer", choices: "choices" };

/** Use the line number as the id. */
export const LINE_ID = "#line";

export interface JsonlRecord {
  /** 1-based line number in the file. */
  line: number;
  value: Record<string, unknown>;
}

const MAX_ISSUES = 50;

/** Throw one user error listing every issue, naming the file and the first line. */
export function throwIssues(file: string, issues: Issue[], what: string): never {
  const shown = issues.slice(0, MAX_ISSUES);
  if (issues.length > MAX_ISSUES) shown.push({ code: "truncated", path: "", message: `and ${issues.length - MAX_ISSUES} more problems` });
  const first = issues[0]!;
  const message =
    issues.length === 1 ? `${file}: ${first.path}: ${first.message}` : `${file}: ${issues.length} problems in ${what} (first at ${first.path}: ${first.message})`;
  throw new UserError(message, { source: file, code: issues.length === 1 ? first.code : "invalid_" + what.replace(/\s+/g, "_"), issues: shown });
}

const ObjectSchema = z.record(z.string(), z.unknown());

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v).slice(0, 40)}`;
}

/** Parse JSONL text into records (blank lines skipped); issues are collected, not thrown. */
export function parseJsonl(text: string, issues: Issue[]): JsonlRecord[] {
  const out: JsonlRecord[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      issues.push({ code: "json_syntax", path: `line ${i + 1}`, message: `not valid JSON: ${(err as Error).message}` });
      return;
    }
    const obj = ObjectSchema.safeParse(value);
    if (!obj.success || Array.isArray(value)) {
      issues.push({ code: "invalid_type", path: `line ${i + 1}`, message: `expected a JSON object, got ${describe(value)}` });
      return;
    }
    out.push({ line: i + 1, value: obj.data });
  });
  return out;
}

/** Read a JSONL file into records; bad lines are errors naming the file and line. */
export function readJsonl(file: string, what = "JSONL file"): JsonlRecord[] {
  const issues: Issue[] = [];
  const records = parseJsonl(readText(file, what), issues);
  if (issues.length > 0) throwIssues(file, issues, what);
  return records;
}

const IdSchema = z.union([z.string().min(1), z.number().int()]);
const QuestionSchema = z.string().min(1);
const AnswerSchema = z.union([z.string(), z.number(), z.boolean()]);
const ChoicesSchema = z.array(z.union([z.string(), z.number()])).min(2);

export interface ItemsFromRecordsOptions {
  fields?: TaskFieldMap | undefined;
  /** Whether each record must have a gold answer (code items may carry tests instead). */
  answerRequired?: boolean | undefined;
  /** Whether each record must have choices. */
  choicesRequired?: boolean | undefined;
}

/**
 * Map records to task items; every problem is reported, naming the file, line and field, together
 * with `earlier` ones (e.g. the bad JSON lines met while parsing).
 */
export function itemsFromRecords(records: readonly JsonlRecord[], file: string, options: ItemsFromRecordsOptions = {}, earlier: readonly Issue[] = []): TaskItem[] {
  const f = { ...DEFAULT_FIELDS, ...Object.fromEntries(Object.entries(options.fields ?? {}).filter(([, v]) => v !== undefined)) } as Required<TaskFieldMap>;
  const issues: Issue[] = [...earlier];
  const items: TaskItem[] = [];
  const seen = new Map<string, number>();
  const mapped = new Set([f.id, f.question, f.answer, f.choices]);
  for (const { line, value } of records) {
    const at = `line ${line}`;
    const problems = issues.length;
    const field = <T>(name: string, schema: z.ZodType<T>, expected: string, required: boolean, flag: string): T | undefined => {
      if (!(name in value) || value[name] === undefined) {
        if (required) issues.push({ code: "missing_field", path: at, message: `missing field "${name}" (${expected}; ${flag} maps another field)` });
        return undefined;
      }
      const r = schema.safeParse(value[name]);
      if (!r.success) {
        issues.push({ code: "invalid_type", path: `${at}: field "${name}"`, message: `expected ${expected}, got ${describe(value[name])}` });
        return undefined;
      }
      return r.data;
    };
    const id = f.id === LINE_ID ? String(line) : field(f.id, IdSchema, "a non-empty string or an integer", true, "--id-field");
    const question = field(f.question, QuestionSchema, "a non-empty string", true, "--question-field");
    const answer = field(f.answer, AnswerSchema, "a string, number or boolean", options.answerRequired ?? true, "--answer-field");
    const choices = field(f.choices, ChoicesSchema, "an array of at least 2 strings", options.choicesRequired ?? false, "--choices-field");
    if (issues.length > problems || id === undefined || question === undefined) continue;
    const key = String(id);
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ code: "duplicate_id", path: at, message: `duplicate id "${key}" (first at line ${first})` });
      continue;
    }
    seen.set(key, line);
    const meta: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!mapped.has(k)) meta[k] = v;
    const item: TaskItem = {
      id: key,
      question,
      answer: answer === undefined ? "" : typeof answer === "boolean" ? (answer ? "yes" : "no") : String(answer),
    };
    if (choices) item.choices = choices.map(String);
    if (Object.keys(meta).length > 0) item.meta = meta;
    items.push(item);
  }
  if (issues.length > 0) throwIssues(file, issues.sort((a, b) => lineOf(a) - lineOf(b)), "task file");
  if (items.length === 0) throw new UserError(`${file}: no items (the file is empty)`, { source: file, code: "empty_task" });
  return items;
}

function lineOf(issue: Issue): number {
  return Number(/^line (\d+)/.exec(issue.path)?.[1] ?? 0);
}

/** Read a task's JSONL file into items: bad lines and bad fields are reported together. */
export function readItemsFile(file: string, options: ItemsFromRecordsOptions = {}, what = "task file"): { records: JsonlRecord[]; items: TaskItem[] } {
  const issues: Issue[] = [];
  const records = parseJsonl(readText(file, what), issues);
  return { records, items: itemsFromRecords(records, file, options, issues) };
}

/** Guess the style of a task file from its items, when the user did not say. */
export function inferStyle(items: readonly TaskItem[]): TaskStyle {
  if (items.every((i) => i.choices && i.choices.length > 0)) return "choice";
  if (items.every((i) => i.meta && (i.meta.test !== undefined || i.meta.tests !== undefined))) return "code";
  if (items.every((i) => /^(?:yes|no|true|false)$/i.test(i.answer.trim()))) return "yesno";
  if (items.every((i) => /^-?[\d,]*\.?\d+$/.test(i.answer.trim()))) return "number";
  if (items.some((i) => i.answer.includes("\\"))) return "math";
  return "short";
}
