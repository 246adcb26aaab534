/**
 * The search's statistics: one family of accuracy estimators, each a different answer to "how good
 * is this graph, given the items it was graded on and the graphs around it":
 *
 * - {@link shrunkAccuracy}: its own accuracy shrunk toward a given prior by a fixed number of pseudo-items;
 * - {@link PairedBook}: per-item results of many graphs, for estimates that cancel item difficulty;
 * - {@link empiricalBayes} / {@link empiricalBayesWithSd}: each graph's effect beside each item's difficulty, shrunk as the data say;
 * - {@link pooledShrunkAccuracy}: shrunk toward the pooled accuracy of all graphs, with a standard error;
 * - {@link combinedEstimate}: validation items and a search estimate combined by precision, with a lower bound;
 *
 * and {@link pairedDifference}, the paired interval between two graphs on shared items.
 */
import { mean, wilson, zFor } from "../util/stats.js";
import type { ItemOutcome, Score } from "./types.js";

/**
 * Accuracy shrunk toward a prior mean by `strength` pseudo-items, so a graph seen on 3 items with
 * 3 right does not outrank one seen on 60 with 50 right.
 */
export function shrunkAccuracy(s: Pick<Score, "correct" | "items" | "errored">, prior: number, strength: number): number {
  const graded = s.items - s.errored;
  return (s.correct + strength * prior) / (graded + strength);
}

/**
 * Paired comparison of two graphs on the items both were graded on: the mean difference a - b in
 * correctness and its two-sided confidence interval (normal approximation).
 */
export function pairedDifference(a: ReadonlyMap<string, ItemOutcome>, b: ReadonlyMap<string, ItemOutcome>, confidence = 0.95): { n: number; diff: number; low: number; high: number } {
  const d: number[] = [];
  for (const [id, oa] of a) {
    const ob = b.get(id);
    if (!ob || oa.errored || ob.errored) continue;
    d.push((oa.correct ? 1 : 0) - (ob.correct ? 1 : 0));
  }
  if (d.length === 0) return { n: 0, diff: 0, low: -1, high: 1 };
  const m = mean(d);
  let v = 0;
  for (const x of d) v += (x - m) ** 2;
  // With no disagreements the sample variance is 0; keep a floor of one disagreement's worth.
  const sd = Math.sqrt(Math.max(v / Math.max(1, d.length - 1), 1 / d.length));
  const half = (zFor(confidence) * sd) / Math.sqrt(d.length);
  return { n: d.length, diff: m, low: m - half, high: m + half };
}

/**
 * Per-item results of many graphs, for estimates in which item difficulty cancels out: graphs
 * measured on different batches are compared through the graphs they share items with, which on
 * small batches is far less noisy than comparing their raw accuracies.
 */
export class PairedBook {
  private readonly byHash = new Map<string, Map<string, boolean>>();

  add(hash: string, outcomes: readonly ItemOutcome[]): void {
    let m = this.byHash.get(hash);
    if (!m) this.byHash.set(hash, (m = new Map()));
    for (const o of outcomes) if (!o.errored && o.correct !== null) m.set(o.itemId, o.correct);
  }

  /** Graded items of a graph. */
  count(hash: string): number {
    return this.byHash.get(hash)?.size ?? 0;
  }

  /** A graph's graded items and how many of them it got right. */
  tally(hash: string): { correct: number; items: number } {
    const m = this.byHash.get(hash);
    let correct = 0;
    if (m) for (const v of m.values()) if (v) correct++;
    return { correct, items: m?.size ?? 0 };
  }

  /** Raw accuracy of a graph on its graded items (NaN with none). */
  accuracy(hash: string): number {
    const t = this.tally(hash);
    return t.items > 0 ? t.correct / t.items : NaN;
  }

  /** Every graph in the book. */
  hashes(): string[] {
    return [...this.byHash.keys()];
  }

  /** A graph's graded outcomes by item id. */
  outcomes(hash: string): ReadonlyMap<string, boolean> {
    return this.byHash.get(hash) ?? new Map<string, boolean>();
  }
}

/**
 * Empirical-Bayes accuracy estimates of every graph in a book. Each outcome is read as the graph's
 * effect plus the item's difficulty, fitted on every outcome at once, so two graphs are compared on
 * everything they and the graphs around them saw, not only on the items they happen to share (a
 * graph measured on fifty pretest items keeps all fifty when a newer graph is measured on others).
 * The graph effects are then shrunk toward their mean by how much graphs really differ (the spread
 * beyond what sampling noise explains): a newcomer that looks better on six items is not taken at
 * its word. The amount of shrinkage, for graphs and for items, is estimated from the data, not tuned.
 */
export function empiricalBayes(book: PairedBook): Map<string, number> {
  const out = new Map<string, number>();
  for (const [h, e] of empiricalBayesWithSd(book)) out.set(h, e.mean);
  return out;
}

/** Rounds of the alternating fit; the difficulty shrinkage is re-estimated every {@link REFIT} rounds. */
const ROUNDS = 40;
const REFIT = 10;

/** {@link empiricalBayes} with each estimate's posterior standard deviation. */
export function empiricalBayesWithSd(book: PairedBook): Map<string, { mean: number; sd: number }> {
  const out = new Map<string, { mean: number; sd: number }>();
  const graphs = book.hashes().filter((h) => book.count(h) > 0);
  if (graphs.length === 0) return out;
  const rows = graphs.map((h) => [...book.outcomes(h)].map(([item, v]) => ({ item, y: v ? 1 : 0 })));
  const byItem = new Map<string, { g: number; y: number }[]>();
  rows.forEach((ys, g) => {
    for (const { item, y } of ys) (byItem.get(item) ?? byItem.set(item, []).get(item)!).push({ g, y });
  });
  const n = rows.reduce((s, ys) => s + ys.length, 0);
  const mu = rows.reduce((s, ys) => s + ys.reduce((t, o) => t + o.y, 0), 0) / n;
  const effect = new Float64Array(graphs.length);
  const difficulty = new Map<string, number>();
  // Item difficulties are shrunk by noise over their spread (a ridge), so an item seen by one graph
  // explains away only part of that graph's result.
  let ridge = 1;
  let noise = Math.max(mu * (1 - mu), 0.01);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [item, obs] of byItem) difficulty.set(item, obs.reduce((s, o) => s + o.y - mu - effect[o.g]!, 0) / (obs.length + ridge));
    rows.forEach((ys, g) => {
      effect[g] = ys.reduce((s, o) => s + o.y - mu - difficulty.get(o.item)!, 0) / ys.length;
    });
    if (round % REFIT === 0) {
      let rss = 0;
      rows.forEach((ys, g) => {
        for (const o of ys) rss += (o.y - mu - effect[g]! - difficulty.get(o.item)!) ** 2;
      });
      // Shrunk difficulties use up about half a degree of freedom each.
      noise = Math.max(rss / Math.max(1, n - graphs.length - byItem.size / 2), 0.01);
      const spread = Math.max([...difficulty.values()].reduce((s, d) => s + d * d, 0) / difficulty.size, 1e-3);
      ridge = noise / spread;
    }
  }
  const counts = rows.map((ys) => ys.length);
  const tau = betweenVariance([...effect], counts.map((c) => noise / c));
  const center = graphs.reduce((s, _h, g) => s + effect[g]! * counts[g]!, 0) / n;
  graphs.forEach((h, g) => {
    const v = noise / counts[g]!;
    out.set(h, { mean: Math.min(1, Math.max(0, mu + posterior(effect[g]!, v, center, tau))), sd: Math.sqrt(1 / (1 / v + 1 / tau)) });
  });
  return out;
}

/** Method-of-moments variance of true values behind noisy estimates, floored so shrinkage is never total. */
function betweenVariance(values: readonly number[], noise: readonly number[]): number {
  const floor = 1e-4;
  if (values.length < 3) return 0.01;
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  const v = values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1);
  const e = noise.reduce((a, b) => a + b, 0) / noise.length;
  return Math.max(floor, v - e);
}

/** Normal-normal posterior mean of a value observed as `x` with noise variance `v`, prior mean `m`, prior variance `t`. */
function posterior(x: number, v: number, m: number, t: number): number {
  return (x / v + m / t) / (1 / v + 1 / t);
}

/** Pseudo-items of the pooled search accuracy each graph's search accuracy is shrunk with at selection. */
export const SEARCH_SHRINK = 8;

/**
 * Each graph's accuracy on its items, shrunk toward the pooled accuracy of all graphs by `strength`
 * pseudo-items, with its standard error: a graph that topped one batch of six items gains little
 * from it, one measured on a hundred items keeps nearly its own accuracy. (The empirical-Bayes
 * estimates that rank graphs during the search are fine for ordering but can shrink every graph to
 * nearly the same level, which would drown the validation items.)
 */
export function pooledShrunkAccuracy(graphs: Iterable<{ hash: string; outcomes: Iterable<ItemOutcome> }>, strength = SEARCH_SHRINK): Map<string, { mean: number; sd: number }> {
  let c = 0;
  let n = 0;
  const own = new Map<string, { correct: number; graded: number }>();
  for (const g of graphs) {
    let rc = 0;
    let rn = 0;
    for (const o of g.outcomes) {
      if (o.errored || o.correct === null) continue;
      rn++;
      if (o.correct) rc++;
    }
    own.set(g.hash, { correct: rc, graded: rn });
    c += rc;
    n += rn;
  }
  const pooled = n > 0 ? c / n : 0.5;
  const out = new Map<string, { mean: number; sd: number }>();
  for (const [h, o] of own) {
    if (o.graded === 0) continue;
    const mean = (o.correct + strength * pooled) / (o.graded + strength);
    out.set(h, { mean, sd: Math.sqrt(Math.max(mean * (1 - mean), 0.01) / (o.graded + strength)) });
  }
  return out;
}

/**
 * A graph's accuracy from its validation items and, when given, its search estimate: two
 * independent measurements combined by precision (normal approximation), with the lower end of the
 * confidence interval. The search estimate is already shrunk toward the other graphs, so one lucky
 * batch adds little, while a graph the search measured on a hundred items is not judged on a few
 * dozen validation items alone. Without a search estimate it is the validation accuracy and its
 * Wilson bound.
 */
export function combinedEstimate(validation: { correct: number; graded: number }, search: { mean: number; sd: number } | undefined, confidence: number): { mean: number; low: number } {
  const { correct, graded } = validation;
  if (!search || !Number.isFinite(search.mean) || !(search.sd > 0)) return { mean: graded > 0 ? correct / graded : NaN, low: wilson(correct, graded, confidence).low };
  // Validation accuracy with one pseudo-item each way, so 0/n and n/n keep a finite variance.
  const p = (correct + 1) / (graded + 2);
  const precV = (graded + 2) / Math.max(p * (1 - p), 0.01);
  const precS = 1 / (search.sd * search.sd);
  const mean = (p * precV + search.mean * precS) / (precV + precS);
  return { mean, low: mean - zFor(confidence) / Math.sqrt(precV + precS) };
}

