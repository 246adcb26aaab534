/**
 * A simple importance of graph features: for each feature (main model, model mix, fuser count,
 * nodes, width, depth), the share of the variance of accuracy across graphs that grouping the
 * graphs by that feature alone explains (eta squared, each graph weighted by its graded items).
 * It reads associations in what the search chose to evaluate, not causes.
 */
import type { GraphStats } from "../report/extract.js";
import { SOLID_ITEMS } from "../report/extract.js";

export interface FeatureImportance {
  feature: string;
  /** Between-group share of the weighted variance of accuracy, in [0, 1]. */
  importance: number;
  /** The feature's value whose graphs were most accurate on average. */
  bestValue: string;
  groups: number;
}

function mainModel(g: GraphStats): string {
  const counts = new Map<string, number>();
  for (const n of g.graph.nodes) counts.set(n.model, (counts.get(n.model) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}

/** The features a graph is described by, as categories. */
export const FEATURES: Record<string, (g: GraphStats) => string> = {
  "main model": mainModel,
  "models mixed": (g) => (g.singleModel === undefined ? "mixed" : "one model"),
  "fuser nodes": (g) => String(g.graph.nodes.filter((n) => n.role === "fuser").length),
  nodes: (g) => String(g.nodes),
  width: (g) => String(g.width),
  depth: (g) => String(g.depth),
};

export function featureImportance(graphs: readonly GraphStats[]): FeatureImportance[] {
  const solid = graphs.filter((g) => !g.failed && g.all.graded >= SOLID_ITEMS && Number.isFinite(g.all.accuracy));
  const weight = solid.reduce((s, g) => s + g.all.graded, 0);
  if (solid.length < 2 || weight === 0) return [];
  const mean = solid.reduce((s, g) => s + g.all.graded * g.all.accuracy, 0) / weight;
  const total = solid.reduce((s, g) => s + g.all.graded * (g.all.accuracy - mean) ** 2, 0);
  return Object.entries(FEATURES)
    .map(([feature, of]) => {
      const groups = new Map<string, { w: number; sum: number }>();
      for (const g of solid) {
        const k = of(g);
        const s = groups.get(k) ?? { w: 0, sum: 0 };
        s.w += g.all.graded;
        s.sum += g.all.graded * g.all.accuracy;
        groups.set(k, s);
      }
      let between = 0;
      let best = { value: "", mean: -Infinity };
      for (const [value, s] of groups) {
        const m = s.sum / s.w;
        between += s.w * (m - mean) ** 2;
        if (m > best.mean) best = { value, mean: m };
      }
      return { feature, importance: total > 0 ? between / total : 0, bestValue: best.value, groups: groups.size };
    })
    .sort((a, b) => b.importance - a.importance || a.feature.localeCompare(b.feature));
}
