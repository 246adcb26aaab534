/**
 * The search's statistics: one family of accuracy estimators, each a different answer to "how good
 * is this graph, given the items it was graded on and the graphs around it":
 *
 * - {@link shrunkAccuracy}: its own accuracy shrunk toward a given prior by a fixed number of pseudo-items;
 * - {@link PairedBook}: per-item results of many graphs, for estimates paired to the most-evaluated one;
 * - {@link empiricalBayes} / {@link empiricalBayesWithSd}: shrinkage estimated from the data, paired where possible;
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
 * Per-item results of many graphs, for paired estimates: graphs that share items with a
 * well-measured anchor (the most-evaluated graph) are compared through their differences to it, with
 * the item difficulty cancelled out, which on small batches is far less noisy than comparing their
 * raw accuracies.
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

  /** The graph with the most graded items (ties: higher accuracy, then hash). */
  anchor(): string | undefined {
    let best: string | undefined;
    for (const h of this.byHash.keys()) {
      if (best === undefined) best = h;
      else {
        const a = this.count(h) - this.count(best) || this.accuracy(h) - this.accuracy(best);
        if (a > 0 || (a === 0 && h < best)) best = h;
      }
    }
    return best;
  }

  /** Paired difference to the anchor: its sum, the sum of squares, and the number of shared items. */
  difference(hash: string, anchor: string): { sum: number; sq: number; n: number } {
    const a = this.byHash.get(anchor);
    const m = this.byHash.get(hash);
    if (!a || !m) return { sum: 0, sq: 0, n: 0 };
    let sum = 0;
    let sq = 0;
    let n = 0;
    for (const [id, v] of m) {
      const w = a.get(id);
      if (w === undefined) continue;
      n++;
      const d = (v ? 1 : 0) - (w ? 1 : 0);
      sum += d;
      sq += d * d;
    }
    return { sum, sq, n };
  }

  /** Every graph in the book. */
  hashes(): string[] {
    return [...this.byHash.keys()];
  }
}

/**
 * Empirical-Bayes accuracy estimates of every graph in a book. Raw accuracies are shrunk toward
 * the mean of all graphs by how much graphs really differ (the spread of their accuracies beyond
 * what sampling noise explains). Graphs that share items with the anchor (the most-evaluated
 * graph) are estimated through their paired difference to it instead, shrunk the same way toward
 * the typical difference: a newcomer that looks better on six items is not taken at its word.
 * The amount of shrinkage is estimated from the data, not tuned.
 */
export function empiricalBayes(book: PairedBook, minShared = 3): Map<string, number> {
  const out = new Map<string, number>();
  for (const [h, e] of empiricalBayesWithSd(book, minShared)) out.set(h, e.mean);
  return out;
}

/** {@link empiricalBayes} with each estimate's posterior standard deviation. */
export function empiricalBayesWithSd(book: PairedBook, minShared = 3): Map<string, { mean: number; sd: number }> {
  const out = new Map<string, { mean: number; sd: number }>();
  const hashes = book.hashes();
  if (hashes.length === 0) return out;
  // Unpaired: raw accuracies toward their mean.
  const raw = hashes.map((h) => ({ h, n: book.count(h), p: book.accuracy(h) })).filter((x) => x.n > 0);
  const totalN = raw.reduce((s, x) => s + x.n, 0);
  const mu0 = raw.reduce((s, x) => s + x.p * x.n, 0) / Math.max(1, totalN);
  const noise0 = Math.max(mu0 * (1 - mu0), 0.01);
  const tau0 = betweenVariance(
    raw.map((x) => x.p),
    raw.map((x) => noise0 / x.n),
  );
  for (const x of raw) out.set(x.h, { mean: posterior(x.p, noise0 / x.n, mu0, tau0), sd: Math.sqrt(1 / (x.n / noise0 + 1 / tau0)) });
  const anchor = book.anchor();
  if (anchor === undefined) return out;
  // Paired: differences to the anchor toward their mean.
  const diffs: { h: string; n: number; d: number; sq: number }[] = [];
  for (const h of hashes) {
    if (h === anchor) continue;
    const d = book.difference(h, anchor);
    if (d.n >= minShared) diffs.push({ h, n: d.n, d: d.sum / d.n, sq: d.sq / d.n });
  }
  if (diffs.length === 0) return out;
  const nD = diffs.reduce((s, x) => s + x.n, 0);
  const muD = diffs.reduce((s, x) => s + x.d * x.n, 0) / nD;
  // Per-item variance of a difference: the disagreement rate (d is -1, 0 or 1), floored.
  const noiseD = Math.max(diffs.reduce((s, x) => s + x.sq * x.n, 0) / nD - muD * muD, 0.02);
  const tauD = betweenVariance(
    diffs.map((x) => x.d),
    diffs.map((x) => noiseD / x.n),
  );
  const base = out.get(anchor)!;
  for (const x of diffs) out.set(x.h, { mean: base.mean + posterior(x.d, noiseD / x.n, muD, tauD), sd: Math.sqrt(base.sd ** 2 + 1 / (x.n / noiseD + 1 / tauD)) });
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
