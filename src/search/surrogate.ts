/**
 * A surrogate of graph accuracy: ridge regression on structural features, fitted to every graph a
 * search has measured (weighted by its graded items), used to rank proposals before any item is
 * spent on them. A search has a few dozen measured graphs and can afford a few new ones per
 * iteration; a linear model over what the paper's insights are about (which models, in which role,
 * how wide, how deep, how much is fused) is what that little data can fit, and it extrapolates
 * along those directions: when deeper or more fused graphs have measured better, it ranks the next
 * deeper or more fused ones first.
 */
import { topology } from "../graph/topology.js";
import type { Graph } from "../graph/schema.js";
import type { SearchSpace } from "./space.js";

export interface Observation {
  graph: Graph;
  /** Estimated accuracy (or utility). */
  value: number;
  /** Graded items behind the estimate. */
  weight: number;
}

/** The features of a graph: per model, its worker assistants, worker fusers and output; then the shape. */
export function graphFeatures(space: SearchSpace, graph: Graph): number[] {
  const models = [...new Set([...space.models, ...space.outModels])];
  const f = Array<number>(models.length * 3).fill(0);
  for (const n of graph.nodes) {
    const k = models.indexOf(n.model);
    if (k < 0) continue;
    if (n.id === graph.output) f[models.length * 2 + k] = 1;
    else f[(n.role === "fuser" ? models.length : 0) + k]! += 1;
  }
  const topo = topology(graph);
  const fanIn = Math.max(0, ...graph.nodes.map((n) => graph.edges.filter(([, b]) => b === n.id).length));
  const fusing = graph.nodes.filter((n) => n.role === "fuser").length;
  const out = graph.nodes.find((n) => n.id === graph.output)!;
  return [...f, out.role === "fuser" ? 1 : 0, topo.depth, graph.nodes.length, fanIn, fusing];
}

export interface Surrogate {
  predict(graph: Graph): number;
  /**
   * Standard deviation of the prediction: how far the graph's features lie from the evidence, in
   * items (Bernoulli variance of the mean value over x'A^-1 x). A new depth or role mix is uncertain
   * until graphs with it are measured.
   */
  sd(graph: Graph): number;
}

/**
 * Weighted ridge regression of value on features (the intercept unpenalised, features centred), or
 * undefined with fewer observations than `minObservations`.
 */
export async function fitSurrogate(space: SearchSpace, data: readonly Observation[], options: { ridge?: number; minObservations?: number } = {}): Promise<Surrogate | undefined> {
  const rows = data.filter((d) => Number.isFinite(d.value) && d.weight > 0);
  if (rows.length < (options.minObservations ?? 6)) return undefined;
  const X = rows.map((r) => graphFeatures(space, r.graph));
  const w = rows.map((r) => r.weight);
  const W = w.reduce((a, b) => a + b, 0);
  const p = X[0]!.length;
  const mean = Array.from({ length: p }, (_, j) => X.reduce((s, x, i) => s + w[i]! * x[j]!, 0) / W);
  const yMean = rows.reduce((s, r, i) => s + w[i]! * r.value, 0) / W;
  // Normal equations of the centred, weighted problem; the ridge is in items, so a feature needs
  // about that many items of evidence before its coefficient moves far from zero.
  const ridge = options.ridge ?? 20;
  const A = Array.from({ length: p }, (_, j) => Array.from({ length: p }, (_, k) => (j === k ? ridge : 0)));
  const b = Array<number>(p).fill(0);
  X.forEach((x, i) => {
    for (let j = 0; j < p; j++) {
      const xj = x[j]! - mean[j]!;
      b[j]! += w[i]! * xj * (rows[i]!.value - yMean);
      for (let k = 0; k < p; k++) A[j]![k]! += w[i]! * xj * (x[k]! - mean[k]!);
    }
  });
  const { lusolve } = await import("mathjs");
  const beta = (lusolve(A, b) as number[][]).map((r) => r[0]!);
  const p0 = Math.min(0.95, Math.max(0.05, yMean));
  const centred = (graph: Graph) => graphFeatures(space, graph).map((v, j) => v - mean[j]!);
  return {
    predict(graph: Graph): number {
      return yMean + centred(graph).reduce((s, v, j) => s + beta[j]! * v, 0);
    },
    sd(graph: Graph): number {
      const x = centred(graph);
      const z = (lusolve(A, x) as number[][]).map((r) => r[0]!);
      return Math.sqrt(p0 * (1 - p0) * Math.max(0, x.reduce((s, v, j) => s + v * z[j]!, 0) + 1 / W));
    },
  };
}
