/**
 * Built-in benchmarks. Each reads `<data>/<folder>/test.jsonl` in the layout of the project's
 * benchmark data folder (normalised records with `id`, `question`, `answer` and dataset fields);
 * the folder comes from `--data` or `TTS_GRAPH_DATA`, never from a fixed path.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { PAPER_TASKS } from "../cost/paper.js";
import type { TaskTokens } from "../cost/tokens.js";
import { readItemsFile, type JsonlRecord } from "./jsonl.js";
import { createTask, type DatasetTask, type TaskOptions } from "./task.js";
import { STYLE_TOKENS } from "./tokens.js";
import type { TaskItem, TaskStyle } from "./types.js";

export const DATA_ENV = "TTS_GRAPH_DATA";

interface BuiltinSpec {
  folder: string;
  style: TaskStyle;
  description: string;
  tokens: TaskTokens;
  choices?: boolean;
  /** Dataset-specific shaping of a mapped item. */
  shape?: (item: TaskItem, record: JsonlRecord) => TaskItem;
}

/** ARC labels its options; the prompt letters them A, B, C... in order, so map the gold label to that letter. */
function arcShape(item: TaskItem, record: JsonlRecord): TaskItem {
  const labels = record.value.choice_labels;
  if (Array.isArray(labels)) {
    const k = labels.indexOf(item.answer);
    if (k >= 0) return { ...item, answer: String.fromCharCode(65 + k) };
  }
  return item;
}

/** MBPP names the function only in its tests, so the question shows them, as the benchmark's prompt does. */
function mbppShape(item: TaskItem): TaskItem {
  const tests = Array.isArray(item.meta?.tests) ? (item.meta.tests as string[]) : [];
  return { ...item, question: `${item.question}\nYour code should pass these tests:\n\n${tests.join("\n")}`, meta: { ...item.meta, text: item.question } };
}

export const BUILTIN_TASKS: Readonly<Record<string, BuiltinSpec>> = Object.freeze({
  gsm8k: { folder: "gsm8k", style: "number", description: "GSM8K test: grade-school math word problems, numeric answers", tokens: STYLE_TOKENS.number },
  math500: { folder: "math500", style: "math", description: "MATH-500: competition math, LaTeX answers", tokens: { ...PAPER_TASKS.math! } },
  math: { folder: "math", style: "math", description: "MATH test (5000): competition math, LaTeX answers", tokens: { ...PAPER_TASKS.math! } },
  mmlu: { folder: "mmlu", style: "choice", description: "MMLU test: 57-subject 4-way multiple choice", tokens: { ...PAPER_TASKS.mmlu! }, choices: true },
  arc: {
    folder: "arc_challenge",
    style: "choice",
    description: "ARC-Challenge test: grade-school science multiple choice",
    tokens: STYLE_TOKENS.choice,
    choices: true,
    shape: arcShape,
  },
  humaneval: { folder: "humaneval", style: "code", description: "HumanEval: Python functions graded by unit tests", tokens: { ...PAPER_TASKS.humaneval! } },
  mbpp: { folder: "mbpp", style: "code", description: "MBPP test (task ids 11-510): Python programs graded by asserts", tokens: STYLE_TOKENS.code, shape: mbppShape },
  svamp: { folder: "svamp", style: "number", description: "SVAMP: arithmetic word problems, numeric answers", tokens: STYLE_TOKENS.number },
  strategyqa: { folder: "strategyqa", style: "yesno", description: "StrategyQA: yes/no multi-hop questions", tokens: STYLE_TOKENS.yesno },
  aime2024: { folder: "aime2024", style: "math", description: "AIME 2024 I+II: integer answers 0-999", tokens: STYLE_TOKENS.math },
  aime2025: { folder: "aime2025", style: "math", description: "AIME 2025 I+II: integer answers 0-999", tokens: STYLE_TOKENS.math },
  amc23: { folder: "amc23", style: "math", description: "AMC 2023 (40 problems): numeric answers", tokens: STYLE_TOKENS.math },
});

export const BUILTIN_TASK_NAMES: readonly string[] = Object.keys(BUILTIN_TASKS);

export function isBuiltinTask(name: string): boolean {
  return Object.hasOwn(BUILTIN_TASKS, name);
}

/** Style and token constants of a built-in task, which need no data. */
export function builtinTaskInfo(name: string): { style: TaskStyle; tokens: TaskTokens; description: string } | undefined {
  const spec = isBuiltinTask(name) ? BUILTIN_TASKS[name] : undefined;
  return spec ? { style: spec.style, tokens: { ...spec.tokens }, description: spec.description } : undefined;
}

/** The data folder: the option, else `TTS_GRAPH_DATA`, else a user error saying how to set it. */
export function resolveDataDir(task: string, dataDir: string | undefined): string {
  const dir = dataDir ?? process.env[DATA_ENV];
  if (dir === undefined || dir === "") {
    throw new UserError(
      `task "${task}" reads its questions from a benchmark data folder, and none was given: pass --data DIR or set ${DATA_ENV}=DIR ` +
        `(a folder holding ${BUILTIN_TASKS[task]?.folder ?? task}/test.jsonl)`,
      { code: "no_data_dir", source: "--data" },
    );
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`data folder ${dir} does not exist or is not a folder (from ${dataDir !== undefined ? "--data" : DATA_ENV})`, { code: "no_data_dir", source: dir });
  }
  return dir;
}

export interface BuiltinTaskOptions extends TaskOptions {
  /** Benchmark data folder (else `TTS_GRAPH_DATA`). */
  dataDir?: string | undefined;
}

/** A built-in benchmark task. Its data is read on first use; a missing folder is a user error then. */
export function builtinTask(name: string, options: BuiltinTaskOptions = {}): DatasetTask {
  const spec = isBuiltinTask(name) ? BUILTIN_TASKS[name] : undefined;
  if (!spec) throw new UserError(`unknown built-in task "${name}": expected one of ${BUILTIN_TASK_NAMES.join(", ")}`, { code: "unknown_task", source: "--task" });
  return createTask(
    {
      id: name,
      style: spec.style,
      description: spec.description,
      tokens: { ...spec.tokens },
      load: () => {
        const file = join(resolveDataDir(name, options.dataDir), spec.folder, "test.jsonl");
        if (!existsSync(file)) {
          throw new UserError(`task "${name}" expects its data at ${file}, which does not exist (is --data / ${DATA_ENV} the right folder?)`, { code: "no_data", source: file });
        }
        const { records, items } = readItemsFile(file, { answerRequired: spec.style !== "code", choicesRequired: spec.choices ?? false }, `${name} data file`);
        return spec.shape ? items.map((item, i) => spec.shape!(item, records[i]!)) : items;
      },
    },
    options,
  );
}
