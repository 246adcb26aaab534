/** Tasks: items with gold answers, a prompt style, an answer extractor and a grader. */
import type { TaskTokens } from "../cost/tokens.js";
import type { Graph, Role } from "../graph/schema.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A predecessor's output handed to a node. */
export interface Reference {
  nodeId: string;
  model: string;
  role: Role;
  text: string;
  /** The answer extracted from `text` by the task, or null. */
  answer: string | null;
}

/** What a node's prompt is made from. */
export interface PromptInput {
  role: Role;
  /** True for the graph's output node. */
  isOutput: boolean;
  item: TaskItem;
  /** The predecessors' outputs, in edge order. */
  references: Reference[];
}

/**
 * How questions are asked and answers read:
 * - `math`: free-form math, final answer in the last `\boxed{}`;
 * - `number`: word problem with a numeric final answer (GSM8K, SVAMP);
 * - `choice`: multiple choice, answer is a letter;
 * - `code`: a Python function or program in one code block, graded by tests;
 * - `yesno`: yes/no questions;
 * - `short`: a short free-text answer, exact match after normalisation.
 */
export type TaskStyle = "math" | "number" | "choice" | "code" | "yesno" | "short";

export const TASK_STYLES: readonly TaskStyle[] = ["math", "number", "choice", "code", "yesno", "short"];

/** One question with its gold answer. */
export interface TaskItem {
  id: string;
  question: string;
  /** Gold answer as a string (a number, a LaTeX expression, a letter, `yes`/`no`, or reference code). */
  answer: string;
  /** Multiple-choice options, in label order (A, B, C...). */
  choices?: string[];
  /** Style-specific data: tests, entry point, setup code... */
  meta?: Record<string, unknown>;
}

export type Split = "search" | "validation" | "test";

/** The item ids of each split, in split order: what a run records so its splits can be checked. */
export type SplitIds = Record<Split, string[]>;

/** The result of grading one output. */
export interface Grade {
  correct: boolean;
  /** The answer read from the output, or null when none could be read. */
  extracted: string | null;
  /** Why it was judged so, when there is more to say (e.g. the failing test). */
  reason?: string;
}

/** Exact ground truth for a graph, available on simulated tasks only. */
export interface GroundTruth {
  accuracy: number;
  /** Standard error of the accuracy estimate. */
  stderr: number;
  meanFlops: number;
  meanLatencyMs: number;
  items: number;
}

/**
 * A task: its items in seeded splits, how its questions are asked, and how answers are read and graded.
 *
 * @example
 * ```ts
 * import { resolveTask, type Task } from "tts-graph";
 *
 * const task: Task = resolveTask("sim:math");
 * const item = task.items("validation")[0]!;
 * console.log((await task.grade(item, "\\boxed{42}")).correct);
 * ```
 */
export interface Task {
  /** e.g. `gsm8k`, `sim:math`, `file:questions.jsonl`. */
  id: string;
  style: TaskStyle;
  description?: string;
  /** Token constants for a-priori cost. */
  tokens: TaskTokens;
  /** Items of a split. Splits are seeded and stable; the same task and seed give the same ids. */
  items(split: Split): TaskItem[];
  /** The ids of every split, for the run record (tasks read from data have it). */
  splitIds?(): SplitIds;
  /**
   * Render a node's prompt. Tasks with an unusual format (e.g. the tiny models' arithmetic) supply
   * their own; otherwise the style's standard prompts are used.
   */
  render?(input: PromptInput): ChatMessage[];
  /** The final answer in a model output, or null. Used to pass answers between nodes and for grading. */
  extract(text: string, item?: TaskItem): string | null;
  /** Grade an output against the item's gold answer. */
  grade(item: TaskItem, output: string): Grade | Promise<Grade>;
  /**
   * Exact expected accuracy of a graph, where the task can know it (simulated tasks). Optimizers
   * never see this; benchmarks score found graphs with it.
   */
  truth?(graph: Graph, options?: { items?: number; seed?: number }): GroundTruth;
}
