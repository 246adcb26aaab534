/**
 * The figures of a finished run's chosen graph, computed in one place so the CLI summary, the report
 * and the dashboard print the same numbers: accuracy, FLOPs and latency all come from the items its
 * accuracy is measured on (validation items when it was validated, else its search items).
 */
import type { Score as HarnessScore } from "../search/types.js";

type Score = Pick<HarnessScore, "items" | "correct" | "errored" | "accuracy" | "meanFlops" | "meanLatencyMs">;

export interface ChosenFigures {
  basis: "validation" | "search";
  accuracy: number;
  items: number;
  graded: number;
  correct: number;
  meanFlops: number;
  meanLatencyMs: number;
  ci: { low: number; high: number; confidence: number } | undefined;
}

export function chosenFigures(best: { search: Score; validation?: (Score & { ci: { low: number; high: number; confidence: number } }) | undefined }): ChosenFigures {
  const v = best.validation;
  const s = v ?? best.search;
  return { basis: v ? "validation" : "search", accuracy: s.accuracy, items: s.items, graded: s.items - s.errored, correct: s.correct, meanFlops: s.meanFlops, meanLatencyMs: s.meanLatencyMs, ci: v?.ci };
}

/** The running maximum of a series: the best value seen so far never goes down. */
export function runningMax<T extends { best: number }>(points: readonly T[]): (T & { top: number })[] {
  let top = -Infinity;
  return points.map((p) => {
    if (Number.isFinite(p.best) && p.best > top) top = p.best;
    return { ...p, top: Number.isFinite(top) ? top : NaN };
  });
}
