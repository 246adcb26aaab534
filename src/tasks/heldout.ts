/**
 * Which items an evaluation scores: a split, or the whole dataset; and the guard that keeps a found
 * graph from being scored on the items its search was tuned on.
 */
import { UserError } from "../errors.js";
import { SPLITS } from "./splits.js";
import type { DatasetTask } from "./task.js";
import type { Split, Task, TaskItem } from "./types.js";

/** A split, or `all`: every item of the task. */
export type SplitOrAll = Split | "all";

export const SPLITS_OR_ALL: readonly SplitOrAll[] = [...SPLITS, "all"];

function hasAllItems(task: Task): task is DatasetTask {
  return typeof (task as Partial<DatasetTask>).allItems === "function";
}

/** The items of a split; `all` gives every item (in data order when the task has one). */
export function itemsOfSplit(task: Task, split: SplitOrAll): TaskItem[] {
  if (split !== "all") return task.items(split);
  return hasAllItems(task) ? task.allItems() : SPLITS.flatMap((s) => task.items(s));
}

/** The ids a search on `task` works on: its search and validation splits. */
export function searchIds(task: Task): Set<string> {
  return new Set([...task.items("search"), ...task.items("validation")].map((i) => i.id));
}

export interface OverlapCheck {
  /** Ids the run searched on (its splits and every item its journal names). */
  searched: ReadonlySet<string>;
  /** The run folder, for the message. */
  run: string;
  split: SplitOrAll;
  allow: boolean;
}

/**
 * The items among `items` that the run searched on. Unless allowed, any is a user error: a score on
 * them says how well the search fitted, not how well the graph does.
 */
export function checkOverlap(items: readonly TaskItem[], check: OverlapCheck): TaskItem[] {
  const overlap = items.filter((i) => check.searched.has(i.id));
  if (overlap.length > 0 && !check.allow) {
    const shown = overlap
      .slice(0, 3)
      .map((i) => i.id)
      .join(", ");
    throw new UserError(
      `${overlap.length} of the ${items.length} items of the ${check.split} split were used by the search in ${check.run} (${shown}${overlap.length > 3 ? ", ..." : ""}): ` +
        `score the held-out test split (the default), or pass --allow-overlap to score them anyway`,
      { code: "split_overlap", source: "--split" },
    );
  }
  return overlap;
}
