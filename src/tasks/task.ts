/**
 * A task made from a list of items and a style: seeded splits, the style's prompts, extractor and
 * grader. Built-in benchmarks and JSONL files are both made this way. Items are read on first use,
 * so a task can grade outputs (which needs no data) before, or without, its data being read.
 */
import type { TaskTokens } from "../cost/tokens.js";
import { extractAnswer } from "./extract.js";
import { gradeOutput } from "./grade.js";
import type { Sandbox } from "./sandbox.js";
import { assignSplits, checkFractions, splitSizes, type SplitConfig, type SplitFractions } from "./splits.js";
import { STYLE_TOKENS } from "./tokens.js";
import type { Grade, Split, SplitIds, Task, TaskItem, TaskStyle } from "./types.js";

export interface TaskOptions {
  /** Seed of the splits when `splits.seed` is not given (default 0). */
  seed?: number | undefined;
  /** Sizes of the search and validation splits (default 0.2 and 0.2; the rest is test), their seed, or id files. */
  splits?: SplitConfig | undefined;
  /** Sandbox for code grading (default: the shared one). */
  sandbox?: Sandbox | undefined;
}

export interface TaskDefinition {
  id: string;
  style: TaskStyle;
  description?: string | undefined;
  tokens?: TaskTokens | undefined;
  /** Reads every item (called once, on first use). */
  load: () => TaskItem[];
}

/** A task backed by a list of items. */
export interface DatasetTask extends Task {
  readonly seed: number;
  readonly fractions: SplitFractions;
  splitIds(): SplitIds;
  /** Every item, in data order. */
  allItems(): TaskItem[];
  /** The item with this id, if any. */
  item(id: string): TaskItem | undefined;
}

/**
 * A task from a list of items and a style: seeded splits, and the style's prompts, answer extraction and grader.
 *
 * @example
 * ```ts
 * import { createTask } from "tts-graph";
 *
 * const task = createTask({
 *   id: "capitals",
 *   style: "short",
 *   load: () => [
 *     { id: "fr", question: "Capital of France?", answer: "Paris" },
 *     { id: "it", question: "Capital of Italy?", answer: "Rome" },
 *   ],
 * });
 * console.log((await task.grade(task.item("fr")!, "Paris")).correct);
 * ```
 */
export function createTask(def: TaskDefinition, options: TaskOptions = {}): DatasetTask {
  const seed = options.splits?.seed ?? options.seed ?? 0;
  const fractions: SplitFractions = splitSizes(options.splits);
  checkFractions(fractions);
  let all: TaskItem[] | undefined;
  let byId: Map<string, TaskItem> | undefined;
  let ids: SplitIds | undefined;
  const load = () => {
    if (!all) {
      all = def.load();
      byId = new Map(all.map((i) => [i.id, i]));
    }
    return { all, byId: byId! };
  };
  const splits = () => (ids ??= assignSplits(load().all.map((i) => i.id), options.splits, seed));
  return {
    id: def.id,
    style: def.style,
    description: def.description,
    tokens: def.tokens ?? STYLE_TOKENS[def.style],
    seed,
    fractions,
    items(split: Split): TaskItem[] {
      const { byId } = load();
      return splits()[split].map((id) => byId.get(id)!);
    },
    splitIds(): SplitIds {
      const s = splits();
      return { search: [...s.search], validation: [...s.validation], test: [...s.test] };
    },
    allItems: () => load().all.slice(),
    item: (id: string) => load().byId.get(id),
    extract: (text: string, item?: TaskItem) => extractAnswer(def.style, text, item),
    grade: (item: TaskItem, output: string): Grade | Promise<Grade> => gradeOutput(def.style, item, output, { sandbox: options.sandbox }),
  };
}
