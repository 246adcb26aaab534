/**
 * The measurements calibration and insights are made of: a model alone, a model multiset as random
 * graphs at equal budget, and layered graphs of a given width and depth. All use population items
 * from the start of the stream, so every measurement in one world shares its items (common random
 * numbers) and differences between them are not item noise.
 */
import { Rng } from "../util/rng.js";
import { layeredGraph, multisetLabel, randomGraph } from "./graphs.js";
import { compileGraph, RunScratch, runCompiled, simTruth, type ItemRun } from "./truth.js";
import { POPULATION_BASE, type SimWorld } from "./world.js";

/** An accuracy estimate over n items. */
export interface Estimate {
  accuracy: number;
  stderr: number;
  items: number;
}

function estimate(correct: number, items: number): Estimate {
  const a = correct / items;
  return { accuracy: a, stderr: Math.sqrt((a * (1 - a)) / items), items };
}

/** A model answering alone. */
export function singleAccuracy(world: SimWorld, model: string, items: number): Estimate {
  const t = simTruth(world, layeredGraph(model, 1, 1), { items });
  return estimate(t.correct, items);
}

/**
 * A model multiset as random graphs (see graphs.ts; with the profile's output model, if any, as the
 * output): item i is answered by its own random graph,
 * drawn from (world seed, multiset, i), so the estimate averages over graphs and items together.
 */
export function multisetAccuracy(world: SimWorld, models: readonly string[], items: number): Estimate {
  const { edgeProbability: p, outputModel } = world.profile.randomGraph;
  const label = [...models].sort().join(",");
  const r: ItemRun = { correct: false, answer: 0, flops: 0, latencyMs: 0, calls: 0, truncated: 0 };
  const scratch = new RunScratch(models.length + 1);
  let correct = 0;
  for (let i = 0; i < items; i++) {
    const g = compileGraph(world, randomGraph(models, new Rng(world.seed, "random-graph", label, i), p, outputModel), { order: "file" });
    runCompiled(world, g, POPULATION_BASE + i, scratch, r);
    if (r.correct) correct++;
  }
  return estimate(correct, items);
}

/** Accuracy of the layered graph G(width, depth) of one model. */
export function layeredAccuracy(world: SimWorld, model: string, width: number, depth: number, items: number): Estimate {
  const t = simTruth(world, layeredGraph(model, width, depth), { items });
  return estimate(t.correct, items);
}

/** One model multiset at the comparison's budget. */
export interface Combination {
  label: string;
  /** Model id -> count. */
  counts: Record<string, number>;
  models: string[];
  units: number;
}

/**
 * Every multiset of the insight family's models (those with cost units) whose units add up to
 * exactly the budget: the paper's "equal budget" comparison (9 units with 1B = 1, 3B = 3, 8B = 9 gives
 * 9x1B, 6x1B + 1x3B, 3x1B + 2x3B, 3x3B and 1x8B).
 */
export function equalBudgetCombinations(world: SimWorld): Combination[] {
  const ins = world.profile.insights;
  if (!ins) return [];
  const fam = world.models.filter((m) => m.family === ins.family && m.costUnits !== undefined).sort((a, b) => b.costUnits! - a.costUnits!);
  const out: Combination[] = [];
  const counts = new Array<number>(fam.length).fill(0);
  const eps = 1e-9;
  const rec = (i: number, left: number) => {
    if (Math.abs(left) < eps) {
      const c: Record<string, number> = {};
      const models: string[] = [];
      fam.forEach((m, k) => {
        if (counts[k]! > 0) {
          c[m.id] = counts[k]!;
          for (let j = 0; j < counts[k]!; j++) models.push(m.id);
        }
      });
      out.push({ label: multisetLabel(c), counts: c, models, units: ins.budgetUnits });
      return;
    }
    if (i >= fam.length) return;
    const u = fam[i]!.costUnits!;
    for (let k = Math.floor((left + eps) / u); k >= 0; k--) {
      counts[i] = k;
      rec(i + 1, left - k * u);
    }
    counts[i] = 0;
  };
  rec(0, ins.budgetUnits);
  return out;
}
