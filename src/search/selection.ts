/**
 * The selection policy: rank what the search measured, pick the candidates, share the reserved
 * validation items between them by successive halving, and choose by the lower confidence bound of
 * each finalist's accuracy (validation items combined with its shrunk search accuracy).
 */
import { TtsGraphError } from "../errors.js";
import { graphHash, topology } from "../graph/index.js";
import { wilson, type Proportion } from "../util/stats.js";
import type { Graph } from "../graph/schema.js";
import { utilityOf, type Objective } from "./objective.js";
import { checkDraft, recordOf, type GraphRecord } from "./records.js";
import { scoreOf } from "./score.js";
import type { SearchSpace } from "./space.js";
import { combinedEstimate, empiricalBayesWithSd, PairedBook, pairedDifference } from "./statistics.js";
import type { ProposalDraft, Score } from "./types.js";

/** A graph the search considered at the end. */
export interface CandidateReport {
  hash: string;
  graph: Graph;
  origin: string;
  /** On search items (all the items it was evaluated on during the search). */
  search: Score;
  /** On the validation items, when it was validated. */
  validation?: (Score & { ci: Proportion }) | undefined;
  /** Paired difference in validation accuracy to the chosen graph, with its interval. */
  versusBest?: { n: number; diff: number; low: number; high: number } | undefined;
  plan: { units: number; flops: number; latencyMs: number | undefined; dollars: number | undefined };
  width: number;
  depth: number;
  nodes: number;
}

/** What the choice between finalists depends on. */
export interface SelectionContext {
  objective: Objective;
  space: SearchSpace;
  confidence: number;
  /** The config's `failureThreshold`: a finalist with more errored validation items is not chosen. */
  failureThreshold: number;
  /** Each graph's shrunk search accuracy, combined with its validation items. */
  prior?: ReadonlyMap<string, { mean: number; sd: number }> | undefined;
}

export interface RankedGraph {
  rec: GraphRecord;
  value: number;
  score: Score;
}

/** Usable graphs, best first by the objective on empirical-Bayes accuracy (item difficulty cancelled out). */
export function rankRecords(records: ReadonlyMap<string, GraphRecord>, objective: Objective): RankedGraph[] {
  const book = new PairedBook();
  for (const r of records.values()) if (!r.failed) book.add(r.hash, [...r.search.values()]);
  const est = empiricalBayesWithSd(book);
  const out: RankedGraph[] = [];
  for (const rec of records.values()) {
    if (rec.failed || rec.search.size === 0) continue;
    const score = scoreOf([...rec.search.values()], objective);
    if (score.items - score.errored === 0) continue;
    const acc = est.get(rec.hash)?.mean ?? NaN;
    const value = utilityOf(objective, { accuracy: acc, meanLatencyMs: score.meanLatencyMs, meanDollars: score.meanDollars });
    if (!Number.isFinite(value)) continue;
    out.push({ rec, value, score });
  }
  // Ties go to the graph seen on more items, then the cheaper one, then the hash (stable).
  out.sort((a, b) => b.value - a.value || b.score.items - a.score.items || a.score.meanFlops - b.score.meanFlops || (a.rec.hash < b.rec.hash ? -1 : 1));
  return out;
}

/**
 * The graphs to validate: the optimizer's own finalists first (e.g. the graphs it measured most),
 * then the best ranked ones.
 */
export function candidateSet(records: Map<string, GraphRecord>, ranked: readonly RankedGraph[], finalists: readonly ProposalDraft[], places: number, space: SearchSpace): GraphRecord[] {
  const chosen: GraphRecord[] = [];
  for (const f of finalists.slice(0, places)) {
    if (checkDraft(f, space)) continue;
    const rec = recordOf(records, graphHash(f.graph), f.graph, f.origin);
    if (!rec.failed && !chosen.includes(rec)) chosen.push(rec);
  }
  for (const r of ranked) {
    if (chosen.length >= places) break;
    if (!chosen.includes(r.rec)) chosen.push(r.rec);
  }
  if (chosen.length === 0) {
    const sample = [...records.values()].flatMap((r) => [...r.search.values()]).find((o) => o.error !== undefined)?.error;
    // A runtime failure (the endpoints), not a mistake in the input: the folder resumes once they answer.
    throw new TtsGraphError("search_failed", `every evaluated graph failed (too many errored items): no graph to choose; check the model endpoints${sample ? ` (an error seen: ${sample})` : ""}`);
  }
  return chosen;
}

/**
 * How many validation items each selection round gives each surviving candidate: with more than two
 * candidates, half of the budget on all of them, the other half on the better half; the totals are
 * `candidates x items` (plus `extra`) either way, but for rounding and the validation items available.
 */
export function selectionRounds(candidates: number, items: number, available: number, reserved = candidates, extra = 0): number[] {
  if (candidates <= 0 || items <= 0 || available <= 0) return [];
  // The evaluations reserved for the selection are spent whatever the number of finalists: fewer
  // finalists are each measured on more items. `extra`: evaluations the search left unspent.
  const total = Math.max(candidates, reserved) * items + extra;
  if (candidates <= 2) return [Math.min(Math.floor(total / candidates), available)];
  const first = Math.max(1, Math.floor(total / (2 * candidates)));
  const keep = Math.ceil(candidates / 2);
  const second = Math.floor((total - candidates * first) / keep);
  return [Math.min(first, available), Math.max(0, Math.min(second, available - first))].filter((n) => n > 0);
}

/** The better half of the candidates after a validation round (at least one). */
export function halve(alive: readonly GraphRecord[], ctx: SelectionContext): GraphRecord[] {
  const keep = Math.max(1, Math.ceil(alive.length / 2));
  return [...alive].sort((a, b) => selectionUtility(b, ctx) - selectionUtility(a, ctx) || (a.hash < b.hash ? -1 : 1)).slice(0, keep);
}

/**
 * The objective's value at the lower confidence bound of a graph's combined accuracy (validation,
 * plus the search's estimate when given): between graphs of about the same accuracy, the one
 * measured on more items is the safer choice.
 */
function selectionUtility(rec: GraphRecord, ctx: SelectionContext): number {
  const v = scoreOf([...rec.validation.values()], ctx.objective);
  const graded = v.items - v.errored;
  if (graded === 0 || v.errored / Math.max(1, v.items) > ctx.failureThreshold) return -Infinity;
  const est = combinedEstimate({ correct: v.correct, graded }, ctx.prior?.get(rec.hash), ctx.confidence);
  const u = utilityOf(ctx.objective, { accuracy: est.low, meanLatencyMs: v.meanLatencyMs, meanDollars: v.meanDollars });
  return Number.isFinite(u) ? u : -Infinity;
}

function report(rec: GraphRecord, ctx: SelectionContext): CandidateReport {
  const plan = ctx.space.plan(rec.graph);
  const topo = topology(rec.graph);
  const search = scoreOf([...rec.search.values()], ctx.objective);
  let validation: CandidateReport["validation"];
  if (rec.validation.size > 0) {
    const v = scoreOf([...rec.validation.values()], ctx.objective);
    validation = { ...v, ci: wilson(v.correct, v.items - v.errored, ctx.confidence) };
  }
  return {
    hash: rec.hash,
    graph: rec.graph,
    origin: rec.origin,
    search,
    validation,
    plan: { units: plan.units, flops: plan.totalFlops, latencyMs: plan.latencyMs, dollars: plan.dollars },
    width: topo.width,
    depth: topo.depth,
    nodes: rec.graph.nodes.length,
  };
}

/**
 * The choice: the finalist with the highest lower confidence bound of its accuracy, through the
 * objective, from its validation items combined with its shrunk search accuracy (raw search scores of graphs seen on a few
 * items carry the search's own selection bias; shrunk, they carry little). Ties go to the graph
 * with more search evidence.
 */
export function choose(set: GraphRecord[], finalists: GraphRecord[], validated: boolean, ctx: SelectionContext): { best: CandidateReport; rule: string; reports: CandidateReport[] } {
  const reports = set.map((r) => report(r, ctx));
  const scored = finalists.filter((r) => Number.isFinite(selectionUtility(r, ctx)));
  if (!validated || scored.length === 0) {
    return { best: reports[0]!, rule: "best on search items (no validation items could be scored)", reports };
  }
  const best = scored.reduce((a, b) => {
    const d = selectionUtility(b, ctx) - selectionUtility(a, ctx);
    return d > 0 || (d === 0 && b.search.size > a.search.size) ? b : a;
  });
  for (const r of reports) {
    const rec = set.find((x) => x.hash === r.hash)!;
    r.versusBest = rec.validation.size > 0 && rec !== best ? pairedDifference(rec.validation, best.validation, ctx.confidence) : undefined;
  }
  const bestReport = reports.find((r) => r.hash === best.hash)!;
  const tied = reports.filter((r) => r.versusBest && r.versusBest.high >= 0).length;
  const n = bestReport.validation!.items;
  const conf = Math.round(ctx.confidence * 100);
  const rule =
    `highest ${conf}% lower bound of accuracy (validation items combined with the shrunk search accuracy) among ${finalists.length} finalist${finalists.length === 1 ? "" : "s"} (of ${set.length} candidates, halved after the first validation round); ${n} validation items` +
    (tied > 0 ? `; ${tied} other candidate${tied === 1 ? " is" : "s are"} within the ${conf}% paired interval of it` : "; ahead of every other candidate beyond the paired interval");
  return { best: bestReport, rule, reports };
}

export type ParetoPoint = { hash: string; accuracy: number; items: number; meanFlops: number; meanLatencyMs: number; graph: Graph };

/** Graphs no other evaluated graph beats on accuracy, FLOPs and latency together. */
export function paretoSet(records: ReadonlyMap<string, GraphRecord>, objective: Objective): ParetoPoint[] {
  const pts = rankRecords(records, objective).map(({ rec, score }) => {
    const all = [...rec.search.values(), ...rec.validation.values()];
    const s = scoreOf(all, objective);
    return { hash: rec.hash, accuracy: s.accuracy, items: s.items, meanFlops: score.meanFlops, meanLatencyMs: score.meanLatencyMs, graph: rec.graph };
  });
  // Graphs seen on very few items are too noisy to claim a place on the front.
  const solid = pts.filter((p) => p.items >= 8);
  const front = solid.filter((p) => !solid.some((q) => q !== p && q.accuracy >= p.accuracy && q.meanFlops <= p.meanFlops && q.meanLatencyMs <= p.meanLatencyMs && (q.accuracy > p.accuracy || q.meanFlops < p.meanFlops || q.meanLatencyMs < p.meanLatencyMs)));
  return front.sort((a, b) => a.meanFlops - b.meanFlops);
}
