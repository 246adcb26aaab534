/**
 * The paper's three insights, measured in a simulated world rather than asserted:
 * 1. a task prefers certain model combinations: the equal-budget multisets as random graphs;
 * 2. width and depth have optima: accuracy of G(w, 1) against w and of G(1, d) against d, per model;
 * 3. width and depth interact: the best d of G(w, d) for each w.
 */
import { equalBudgetCombinations, layeredAccuracy, multisetAccuracy, type Estimate } from "./experiments.js";
import type { SimWorld } from "./world.js";

export interface InsightOptions {
  /** Items per measurement (default 4000). */
  items?: number;
  /** Widths of the width curve (default 1..10). */
  maxWidth?: number;
  /** Depths of the depth curve (default 1..8). */
  maxDepth?: number;
  /** Grid of G(w, d): w = 1..gridWidth, d = 1..gridDepth (default 5 x 6). */
  gridWidth?: number;
  gridDepth?: number;
  /** Models to probe (default: the insight family's models with cost units, or all models). */
  models?: string[];
  /** Also compute the grid for every probed model (default: true). */
  grid?: boolean;
}

export interface CombinationResult extends Estimate {
  label: string;
  counts: Record<string, number>;
  units: number;
}

export interface CurvePoint extends Estimate {
  x: number;
}

export interface Curve {
  model: string;
  points: CurvePoint[];
  /** x of the highest accuracy. */
  best: number;
  /** The optimum is strictly inside the range and beats both ends by at least `margin`. */
  interior: boolean;
}

export interface GridResult {
  model: string;
  widths: number[];
  depths: number[];
  /** accuracy[w - 1][d - 1]. */
  accuracy: number[][];
  /** Best depth for each width. */
  bestDepth: number[];
  /** Best depth never grows with width and is smaller at the largest width than at width 1. */
  shrinks: boolean;
}

export interface TaskInsights {
  task: string;
  items: number;
  /** Accuracy difference that counts as a real rise or fall (two standard errors, at least one point). */
  margin: number;
  combinations: CombinationResult[];
  bestCombination: string | undefined;
  width: Curve[];
  depth: Curve[];
  grid: GridResult[];
}

function curve(model: string, xs: number[], est: (x: number) => Estimate, margin: number): Curve {
  const points = xs.map((x) => ({ x, ...est(x) }));
  let bi = 0;
  points.forEach((p, i) => {
    if (p.accuracy > points[bi]!.accuracy) bi = i;
  });
  const best = points[bi]!;
  const interior = bi > 0 && bi < points.length - 1 && best.accuracy - points[0]!.accuracy >= margin && best.accuracy - points[points.length - 1]!.accuracy >= margin;
  return { model, points, best: best.x, interior };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Measure all three insights in one world. */
export function taskInsights(world: SimWorld, options: InsightOptions = {}): TaskInsights {
  const items = options.items ?? 4000;
  const margin = Math.max(0.01, 2 * Math.sqrt(0.25 / items));
  const combos = equalBudgetCombinations(world);
  const combinations = combos.map((c) => ({ label: c.label, counts: c.counts, units: c.units, ...multisetAccuracy(world, c.models, items) }));
  let bestCombination: string | undefined;
  let bestAcc = -1;
  for (const c of combinations) {
    if (c.accuracy > bestAcc) {
      bestAcc = c.accuracy;
      bestCombination = c.label;
    }
  }
  const fam = world.profile.insights?.family;
  const models =
    options.models ?? (fam ? world.models.filter((m) => m.family === fam && m.costUnits !== undefined).map((m) => m.id) : world.models.map((m) => m.id));
  const width = models.map((m) => curve(m, range(options.maxWidth ?? 10), (w) => layeredAccuracy(world, m, w, 1, items), margin));
  const depth = models.map((m) => curve(m, range(options.maxDepth ?? 8), (d) => layeredAccuracy(world, m, 1, d, items), margin));
  const grid: GridResult[] = [];
  if (options.grid ?? true) {
    const widths = range(options.gridWidth ?? 5);
    const depths = range(options.gridDepth ?? 6);
    for (const m of models) {
      const accuracy = widths.map((w) => depths.map((d) => layeredAccuracy(world, m, w, d, items).accuracy));
      const bestDepth = accuracy.map((row) => depths[row.indexOf(Math.max(...row))]!);
      const shrinks = bestDepth.every((d, i) => i === 0 || d <= bestDepth[i - 1]!) && bestDepth[bestDepth.length - 1]! < bestDepth[0]!;
      grid.push({ model: m, widths, depths, accuracy, bestDepth, shrinks });
    }
  }
  return { task: `sim:${world.profile.name}`, items, margin, combinations, bestCombination, width, depth, grid };
}

/** Whether each insight holds across the measured tasks, with the evidence. */
export interface InsightSummary {
  /** Insight 1: the best equal-budget combination is not the same on every task (null with fewer than two tasks). */
  taskPreference: { holds: boolean | null; best: Record<string, string | undefined> };
  /**
   * Insight 2: on some task, accuracy rises then falls with width for some model and with depth for
   * some model (`tasks`: where both show; the lists: which models, per task). Where answers are
   * recalled rather than reasoned (MMLU), collaboration matters little and the curves may stay flat.
   */
  interiorOptimum: { holds: boolean; tasks: string[]; width: Record<string, string[]>; depth: Record<string, string[]> };
  /** Insight 3: on some task, some model's best depth shrinks as width grows (`tasks`: where). */
  depthShrinksWithWidth: { holds: boolean; tasks: string[]; models: Record<string, string[]> };
}

export function summariseInsights(tasks: TaskInsights[]): InsightSummary {
  const best: Record<string, string | undefined> = {};
  const width: Record<string, string[]> = {};
  const depth: Record<string, string[]> = {};
  const shrink: Record<string, string[]> = {};
  for (const t of tasks) {
    best[t.task] = t.bestCombination;
    width[t.task] = t.width.filter((c) => c.interior).map((c) => c.model);
    depth[t.task] = t.depth.filter((c) => c.interior).map((c) => c.model);
    shrink[t.task] = t.grid.filter((g) => g.shrinks).map((g) => g.model);
  }
  const bests = new Set(Object.values(best).filter((b) => b !== undefined));
  const optimumTasks = tasks.filter((t) => width[t.task]!.length > 0 && depth[t.task]!.length > 0).map((t) => t.task);
  const shrinkTasks = tasks.filter((t) => shrink[t.task]!.length > 0).map((t) => t.task);
  return {
    taskPreference: { holds: tasks.length > 1 ? bests.size > 1 : null, best },
    interiorOptimum: { holds: optimumTasks.length > 0, tasks: optimumTasks, width, depth },
    depthShrinksWithWidth: { holds: shrinkTasks.length > 0, tasks: shrinkTasks, models: shrink },
  };
}
