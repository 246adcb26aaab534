/**
 * Task files (YAML): which items (a built-in task or standard setup, or a JSONL file), how
 * they are asked (system prompt, templates per role, few-shot examples) and how answers are read
 * (the extractor and grader, by style name). Paths in a task file are relative to its folder.
 */
import { basename, dirname, resolve } from "node:path";
import { z } from "zod";
import { UserError } from "../errors.js";
import { readStructured, zodIssues } from "../util/files.js";
import { builtinTask, BUILTIN_TASK_NAMES, isBuiltinTask, type BuiltinTaskOptions } from "./builtin.js";
import { extractAnswer } from "./extract.js";
import { fileTask } from "./file.js";
import { gradeOutput } from "./grade.js";
import { readItemsFile, throwIssues } from "./jsonl.js";
import { seededOrder } from "./splits.js";
import { standardSetup, STANDARD_SETUP_NAMES } from "./setups.js";
import type { DatasetTask } from "./task.js";
import { estimateMessageTokens } from "./tokens.js";
import { DEFAULT_FEWSHOT_TEXT, ExampleTemplateSchema, isStandard, PROMPT_ROLES, renderTemplated, RoleTemplateSchema, TemplateSchema, type FewShotExample, type PromptSpec } from "./templates.js";
import { TASK_STYLES, type ChatMessage, type TaskStyle } from "./types.js";

const FewShotSchema = z
  .object({
    /** The examples, written out. */
    examples: z.array(z.object({ question: z.string().min(1), answer: z.string().min(1) }).strict()).min(1).optional(),
    /** A JSONL file of examples (a train split): all of them, or `draw` of them chosen with `seed`. */
    file: z.string().min(1).optional(),
    /** Which fields of the file hold the question and the example reply (default `question`, `answer`). */
    fields: z.object({ question: z.string().min(1).optional(), answer: z.string().min(1).optional() }).strict().optional(),
    draw: z.number().int().positive().optional(),
    seed: z.number().int().min(0).optional(),
    /** Roles that see the examples as earlier chat turns (default: a lone assistant). */
    roles: z.array(z.enum(PROMPT_ROLES)).min(1).optional(),
    /** How an example's question is shown; default: the role's user template. */
    question: TemplateSchema.optional(),
    /** How each example is written where a template says `{{fewshot}}`. */
    text: ExampleTemplateSchema.optional(),
  })
  .strict()
  .refine((f) => (f.examples === undefined) !== (f.file === undefined), { message: "give either examples or file" })
  .refine((f) => f.file !== undefined || (f.draw === undefined && f.seed === undefined && f.fields === undefined), { message: "draw, seed and fields apply to a file of examples" });

export const TaskFileSchema = z
  .object({
    version: z.literal(1).optional(),
    /** The task's name in runs and outputs (default `file:<file name>`). */
    id: z.string().min(1).optional(),
    description: z.string().optional(),
    /** The items of a built-in task or standard setup (`gsm8k`, `gsm8k:8shot-cot`); its prompts are the starting point. */
    base: z.string().min(1).optional(),
    /** Or a JSONL file of items. */
    data: z.string().min(1).optional(),
    /** Which fields of `data` hold the id, question, answer and choices. */
    fields: z.object({ id: z.string().min(1).optional(), question: z.string().min(1).optional(), answer: z.string().min(1).optional(), choices: z.string().min(1).optional() }).strict().optional(),
    /** The prompt style of `data` items (inferred when absent). */
    style: z.enum(TASK_STYLES).optional(),
    /** The extractor and grader, by style name (default: the task's style). */
    grader: z.enum(TASK_STYLES).optional(),
    /** The system prompt of every role without its own. */
    system: TemplateSchema.optional(),
    templates: z.object({ assistant: RoleTemplateSchema.optional(), refine: RoleTemplateSchema.optional(), fuser: RoleTemplateSchema.optional() }).strict().optional(),
    fewshot: FewShotSchema.optional(),
  })
  .strict()
  .refine((t) => (t.base === undefined) !== (t.data === undefined), { message: "give either base (a built-in task or standard setup) or data (a JSONL file)" })
  .refine((t) => t.base === undefined || (t.style === undefined && t.fields === undefined), { message: "style and fields apply to a data file; a built-in task has its own" });

export type TaskFileSpec = z.infer<typeof TaskFileSchema>;

/** True for a spec naming a task file. */
export function isTaskFilePath(spec: string): boolean {
  return /\.ya?ml$/i.test(spec);
}

/** Read and check a task file; every problem names the file and field. */
export function loadTaskFile(path: string): TaskFileSpec {
  const r = TaskFileSchema.safeParse(readStructured(path, "task file"));
  if (!r.success) throwIssues(path, zodIssues(r.error), "task file");
  return r.data;
}

/** The few-shot examples of a task file: written out, or read (and drawn) from a file. */
function fewShotExamples(f: NonNullable<TaskFileSpec["fewshot"]>, dir: string): FewShotExample[] {
  if (f.examples) return f.examples;
  const file = resolve(dir, f.file!);
  const { items } = readItemsFile(file, { fields: { id: "#line", question: f.fields?.question, answer: f.fields?.answer } }, "few-shot file");
  const shots = items.map((i) => ({ id: i.id, question: i.question, answer: i.answer }));
  if (f.draw === undefined) return shots.map(({ question, answer }) => ({ question, answer }));
  if (f.draw > shots.length) throw new UserError(`${file}: fewshot.draw asks for ${f.draw} examples, but the file has ${shots.length}`, { code: "invalid_task_file", source: file });
  const byId = new Map(shots.map((s) => [s.id, s]));
  return seededOrder([...byId.keys()], f.seed ?? 0, "fewshot")
    .slice(0, f.draw)
    .map((id) => ({ question: byId.get(id)!.question, answer: byId.get(id)!.answer }));
}

/** A task file's prompt settings laid over its base's. */
function promptsOf(spec: TaskFileSpec, dir: string, base: PromptSpec | undefined): PromptSpec {
  const templates = { ...base?.templates };
  for (const role of PROMPT_ROLES) {
    const t = spec.templates?.[role];
    if (t) templates[role] = { ...templates[role], ...t };
  }
  const f = spec.fewshot;
  const fewshot = f
    ? { examples: fewShotExamples(f, dir), roles: f.roles ?? ["assistant" as const], question: f.question, text: f.text ?? DEFAULT_FEWSHOT_TEXT }
    : base?.fewshot;
  return { system: spec.system ?? base?.system, templates, fewshot };
}

export interface TaskOverrides {
  id: string;
  description?: string | undefined;
  prompts: PromptSpec;
  /** The style whose extractor and grader read answers (default: the task's style). */
  grader?: TaskStyle | undefined;
}

/** A dataset task asked with other prompts and, if given, graded by another style's grader. */
export function withPrompts(task: DatasetTask, o: TaskOverrides, options: BuiltinTaskOptions = {}): DatasetTask {
  const style = task.style;
  const standard = isStandard(o.prompts);
  const render = standard ? task.render : (input: Parameters<typeof renderTemplated>[2]) => renderTemplated(o.prompts, style, input);
  // A priori cost: the examples a lone assistant is shown are part of its prompt.
  const shots: ChatMessage[] = o.prompts.fewshot?.roles.includes("assistant") ? o.prompts.fewshot.examples.flatMap((s) => [{ role: "user" as const, content: s.question }, { role: "assistant" as const, content: s.answer }]) : [];
  const tokens = shots.length === 0 ? task.tokens : { ...task.tokens, promptTokens: task.tokens.promptTokens + estimateMessageTokens(shots), source: "measured" };
  const out: DatasetTask = { ...task, id: o.id, description: o.description ?? task.description, tokens, ...(render ? { render } : {}) };
  if (o.grader !== undefined && o.grader !== style) {
    const grader = o.grader;
    out.extract = (text, item) => extractAnswer(grader, text, item);
    out.grade = (item, output) => gradeOutput(grader, item, output, { sandbox: options.sandbox });
  }
  return out;
}

/** A built-in task or a standard setup of one (`gsm8k:8shot-cot`), or null for another name. */
export function namedTask(name: string, options: BuiltinTaskOptions = {}): DatasetTask | null {
  if (isBuiltinTask(name)) return builtinTask(name, options);
  const setup = standardSetup(name);
  if (!setup) return null;
  return withPrompts(builtinTask(setup.base, options), { id: name, description: setup.description, prompts: setup.prompts }, options);
}

/** A task from a task file. */
export function taskFileTask(path: string, options: BuiltinTaskOptions = {}): DatasetTask {
  const spec = loadTaskFile(path);
  const dir = dirname(resolve(path));
  let base: DatasetTask;
  let basePrompts: PromptSpec | undefined;
  if (spec.base !== undefined) {
    const setup = standardSetup(spec.base);
    const baseName = setup?.base ?? spec.base;
    if (!isBuiltinTask(baseName)) {
      throw new UserError(`${path}: base: unknown task "${spec.base}": expected a built-in task (${BUILTIN_TASK_NAMES.join(", ")}) or a standard setup (${STANDARD_SETUP_NAMES.join(", ")})`, {
        code: "unknown_task",
        source: path,
      });
    }
    base = builtinTask(baseName, options);
    basePrompts = setup?.prompts;
  } else {
    base = fileTask(resolve(dir, spec.data!), { ...options, fields: spec.fields, style: spec.style });
  }
  return withPrompts(base, { id: spec.id ?? `file:${basename(path)}`, description: spec.description, prompts: promptsOf(spec, dir, basePrompts), grader: spec.grader }, options);
}
