/**
 * From a run directory to the numbers a report shows. Pure: everything is derived from the event
 * log, and from `result.json` where the run finished (its selection, validated best and
 * harness curve). Every graph-item evaluation is counted once, keyed by (split, graph, item), so a
 * log that repeats an evaluation (a resumed run) does not count it twice.
 */
import type { Graph } from "../graph/schema.js";
import { topology } from "../graph/topology.js";
import { RUN_FILES } from "../runs/dir.js";
import type { SearchConfig } from "../search/config.js";
import { describeObjective, type Objective } from "../search/objective.js";
import { chosenFigures, runningMax } from "./figures.js";
import type { ReportCandidate, ReportItem, ReportPhase, ResultFile, RunDir, RunEventOf } from "./run-dir.js";

/** Graphs graded on fewer items than this are too noisy for a Pareto front or a leader (as in the harness). */
export const SOLID_ITEMS = 8;

/** A graph's outcomes on some items, summed. */
export interface Tally {
  items: number;
  /** Items that did not error. */
  graded: number;
  correct: number;
  errored: number;
  /** correct / graded; NaN when nothing was graded. */
  accuracy: number;
  /** Mean measured FLOPs per query over the items (errored ones included: they were paid for). */
  meanFlops: number;
  meanLatencyMs: number;
  calls: number;
}

export function tally(items: Iterable<ReportItem>): Tally {
  let n = 0;
  let correct = 0;
  let errored = 0;
  let flops = 0;
  let latency = 0;
  let calls = 0;
  for (const o of items) {
    n++;
    if (o.errored) errored++;
    else if (o.correct === true) correct++;
    flops += o.flops;
    latency += o.latencyMs;
    calls += o.calls;
  }
  const graded = n - errored;
  return { items: n, graded, correct, errored, accuracy: graded > 0 ? correct / graded : NaN, meanFlops: n > 0 ? flops / n : NaN, meanLatencyMs: n > 0 ? latency / n : NaN, calls };
}

/** Everything the log says about one graph. */
export interface GraphStats {
  hash: string;
  graph: Graph;
  origin: string;
  firstIteration: number;
  search: Tally;
  validation: Tally;
  /** Search and validation items together. */
  all: Tally;
  /** Some evaluation of it was `failed` (too many errored items). */
  failed: boolean;
  /** The model of every node when all nodes use one model (a single call or a self-consistency ensemble). */
  singleModel: string | undefined;
  nodes: number;
  width: number;
  depth: number;
}

export interface IterationRow {
  iteration: number;
  phase: ReportPhase;
  split: "search" | "validation";
  /** Distinct graphs evaluated in the iteration. */
  graphs: number;
  /** New graph-item evaluations in the iteration. */
  evals: number;
  /** Graph-item evaluations of the whole run up to the end of this iteration. */
  evalsAfter: number;
  /** Mean and best accuracy of the iteration's graphs on its batch. */
  meanAccuracy: number;
  bestAccuracy: number;
  bestHash: string | undefined;
  rejectedProposals: number;
  feedback: { agent: string; text: string }[];
  fallbacks: string[];
  rejectedReplies: number;
}

/** One graph's accuracy on one iteration's batch, placed at the search cost spent so far. */
export interface SampledPoint {
  evals: number;
  iteration: number;
  phase: ReportPhase;
  accuracy: number;
  items: number;
  hash: string;
}

export interface CurvePoint {
  evals: number;
  iteration: number;
  /** The leader's estimate after the iteration (it can fall as the leader is graded on more items). */
  best: number;
  /** The running maximum of `best`: never falls. */
  top: number;
  hash: string;
}

/**
 * When an LLM agent was called but none of its replies was usable (every call failed or every reply
 * was rejected), so every decision was the rule agent's: a sentence saying so; else undefined. Each
 * call either failed (and is counted rejected), was rejected, or was used.
 */
export function agentUnusable(agent: { calls: number; failedCalls: number; rejected: number }, model: string | undefined): string | undefined {
  if (agent.calls === 0 || agent.calls - agent.rejected > 0) return undefined;
  return `The LLM agent${model ? ` ${model}` : ""} never produced a usable reply (${agent.calls} call${agent.calls === 1 ? "" : "s"}, ${agent.failedCalls} failed, ${agent.rejected - agent.failedCalls} repl${agent.rejected - agent.failedCalls === 1 ? "y" : "ies"} rejected): every decision was the rule agent's.`;
}

export interface CostSummary {
  evals: { total: number; probe: number; pretest: number; search: number; selection: number };
  graphCalls: number;
  graphFlops: number;
  graphDollars: number | undefined;
  agent: { calls: number; failedCalls: number; promptTokens: number; completionTokens: number; rejected: number; fallbacks: number };
}

/** The chosen graph (finished run) or the leader so far (unfinished run). */
export interface BestGraph {
  hash: string;
  graph: Graph;
  /** What its accuracy figure is measured on. */
  basis: "validation" | "search";
  accuracy: number;
  graded: number;
  ci: { low: number; high: number; confidence: number } | undefined;
  /** Mean measured FLOPs and latency per query over the same items as `accuracy` (`basis`), as the CLI prints them. */
  meanFlops: number;
  meanLatencyMs: number;
  plan: ReportCandidate["plan"] | undefined;
  origin: string;
  how: string;
}

export interface ReportModel {
  dir: string;
  /** result.json was present: the run finished. */
  complete: boolean;
  notes: string[];
  config: SearchConfig;
  run: { optimizer: string; seed: number | undefined; task: string; pool: string; objective: string; objectiveKind: Objective["kind"]; budget: string };
  graphs: GraphStats[];
  iterations: IterationRow[];
  sampled: SampledPoint[];
  /** `label` names the leader's estimate, `topLabel` its running maximum (the monotone line). */
  curve: { points: CurvePoint[]; source: "result" | "log"; label: string; topLabel: string };
  best: BestGraph | undefined;
  /** Non-dominated graphs (graded on at least SOLID_ITEMS items), per chart, in ascending cost. */
  fronts: { flops: string[]; latency: string[] };
  /** The harness's front over accuracy, FLOPs and latency together (finished runs). */
  pareto: ResultFile["pareto"];
  candidates: ReportCandidate[];
  selectionRule: string | undefined;
  cost: CostSummary;
  costSource: "result" | "log";
  /** Agent calls per model id, with their token counts, for converting to FLOPs. */
  agentCalls: { model: string; promptTokens: number | undefined; completionTokens: number | undefined }[];
}

/** Graphs that no other solid graph beats on accuracy and `cost` together, cheapest first. */
export function front2d(graphs: readonly GraphStats[], cost: (g: GraphStats) => number): GraphStats[] {
  const solid = graphs.filter((g) => !g.failed && g.all.graded >= SOLID_ITEMS && Number.isFinite(g.all.accuracy) && Number.isFinite(cost(g)));
  const front = solid.filter((p) => !solid.some((q) => q !== p && q.all.accuracy >= p.all.accuracy && cost(q) <= cost(p) && (q.all.accuracy > p.all.accuracy || cost(q) < cost(p))));
  return front.sort((a, b) => cost(a) - cost(b) || a.hash.localeCompare(b.hash));
}

/** The log's leader: the best search accuracy among graphs graded on enough items. */
function leaderOf(graphs: Iterable<{ hash: string; failed: boolean; search: Tally }>): { hash: string; accuracy: number } | undefined {
  let best: { hash: string; accuracy: number; graded: number } | undefined;
  for (const g of graphs) {
    if (g.failed || g.search.graded < SOLID_ITEMS) continue;
    const a = g.search.accuracy;
    if (!best || a > best.accuracy || (a === best.accuracy && g.search.graded > best.graded)) best = { hash: g.hash, accuracy: a, graded: g.search.graded };
  }
  return best;
}

function describeBudget(result: ResultFile | undefined, config: SearchConfig): string {
  return result ? `${result.budget.limit} ${result.budget.unit}` : `${config.budget} ${config.budgetUnit}`;
}

export function extractReport(run: RunDir): ReportModel {
  const { events, result } = run;
  const started = events.find((e): e is RunEventOf<"run.started"> => e.type === "run.started");
  const notes = [...run.notes];

  const graphs = new Map<string, { hash: string; graph: Graph; origin: string; firstIteration: number; search: Map<string, ReportItem>; validation: Map<string, ReportItem>; failed: boolean }>();
  const iterations: IterationRow[] = [];
  const iterationByNumber = new Map<number, IterationRow>();
  const sampled: SampledPoint[] = [];
  const logCurve: CurvePoint[] = [];
  // The harness's own ranking after each iteration, as `status` and the progress line read it.
  const harnessCurve: CurvePoint[] = [];
  let lastLeader: HarnessLeader | undefined;
  const cost: CostSummary = {
    evals: { total: 0, probe: 0, pretest: 0, search: 0, selection: 0 },
    graphCalls: 0,
    graphFlops: 0,
    graphDollars: 0,
    agent: { calls: 0, failedCalls: 0, promptTokens: 0, completionTokens: 0, rejected: 0, fallbacks: 0 },
  };
  const agentCalls: ReportModel["agentCalls"] = [];
  let current: IterationRow | undefined;
  const batchAcc = new Map<IterationRow, { acc: number; hash: string }[]>();

  const rowFor = (iteration: number): IterationRow => {
    let row = iterationByNumber.get(iteration);
    if (!row) {
      // Feedback can come before the iteration's evaluations start (the agent's update after a tell).
      row = { iteration, phase: current?.phase ?? "search", split: "search", graphs: 0, evals: 0, evalsAfter: cost.evals.total, meanAccuracy: NaN, bestAccuracy: NaN, bestHash: undefined, rejectedProposals: 0, feedback: [], fallbacks: [], rejectedReplies: 0 };
      iterationByNumber.set(iteration, row);
      iterations.push(row);
    }
    return row;
  };
  const closeCurvePoint = (row: IterationRow | undefined) => {
    if (!row || row.split !== "search" || row.graphs === 0) return;
    const lead = leaderOf([...graphs.values()].map((g) => ({ hash: g.hash, failed: g.failed, search: tally(g.search.values()) })));
    if (lead) logCurve.push({ evals: row.evalsAfter, iteration: row.iteration, best: lead.accuracy, top: NaN, hash: lead.hash });
  };

  for (const e of events) {
    switch (e.type) {
      case "iteration.started": {
        if (current && current.iteration !== e.iteration) closeCurvePoint(current);
        const row = rowFor(e.iteration);
        row.phase = e.phase;
        row.split = e.split;
        current = row;
        break;
      }
      case "graph.proposed":
        if (!graphs.has(e.hash)) graphs.set(e.hash, { hash: e.hash, graph: e.graph, origin: e.origin, firstIteration: e.iteration, search: new Map(), validation: new Map(), failed: false });
        break;
      case "proposal.rejected":
        rowFor(e.iteration).rejectedProposals++;
        break;
      case "eval.batch": {
        const g = graphs.get(e.hash);
        if (!g) {
          notes.push(`an evaluation of graph ${e.hash} (iteration ${e.iteration}) has no graph.proposed event before it; it was skipped`);
          break;
        }
        const known = e.split === "search" ? g.search : g.validation;
        const row = rowFor(e.iteration);
        const phase = e.split === "validation" ? "selection" : row.phase;
        let fresh = 0;
        for (const o of e.items) {
          if (known.has(o.itemId)) continue;
          known.set(o.itemId, o);
          fresh++;
          cost.graphCalls += o.calls;
          cost.graphFlops += o.flops;
          cost.graphDollars = cost.graphDollars === undefined || o.dollars === undefined ? undefined : cost.graphDollars + o.dollars;
        }
        if (e.status === "failed") g.failed = true;
        cost.evals[phase] += fresh;
        cost.evals.total += fresh;
        row.graphs++;
        row.evals += fresh;
        row.evalsAfter = cost.evals.total;
        const acc = e.score.accuracy;
        if (Number.isFinite(acc)) {
          sampled.push({ evals: cost.evals.total, iteration: e.iteration, phase, accuracy: acc, items: e.score.items, hash: e.hash });
          const list = batchAcc.get(row) ?? [];
          list.push({ acc, hash: e.hash });
          batchAcc.set(row, list);
        }
        break;
      }
      case "iteration.finished":
        if (e.best) {
          harnessCurve.push({ evals: e.evals, iteration: e.iteration, best: e.best.value, top: NaN, hash: e.best.hash });
          lastLeader = { hash: e.best.hash, accuracy: e.best.accuracy, items: e.best.items, iteration: e.iteration };
        }
        break;
      case "agent.call":
        cost.agent.calls++;
        if (e.error) cost.agent.failedCalls++;
        cost.agent.promptTokens += e.response?.promptTokens ?? 0;
        cost.agent.completionTokens += e.response?.completionTokens ?? 0;
        agentCalls.push({ model: e.model, promptTokens: e.response?.promptTokens, completionTokens: e.response?.completionTokens });
        break;
      case "agent.feedback":
        rowFor(e.iteration).feedback.push({ agent: e.agent, text: e.text });
        break;
      case "agent.rejected":
        cost.agent.rejected++;
        rowFor(e.iteration).rejectedReplies++;
        break;
      case "agent.fallback":
        cost.agent.fallbacks++;
        rowFor(e.iteration).fallbacks.push(e.reason);
        break;
      default:
        break;
    }
  }
  closeCurvePoint(current);
  for (const [row, list] of batchAcc) {
    row.meanAccuracy = list.reduce((s, x) => s + x.acc, 0) / list.length;
    const top = list.reduce((a, b) => (b.acc > a.acc ? b : a));
    row.bestAccuracy = top.acc;
    row.bestHash = top.hash;
  }
  iterations.sort((a, b) => a.iteration - b.iteration);

  const stats: GraphStats[] = [...graphs.values()].map((g) => {
    const topo = safeTopology(g.graph);
    const models = new Set(g.graph.nodes.map((n) => n.model));
    return {
      hash: g.hash,
      graph: g.graph,
      origin: g.origin,
      firstIteration: g.firstIteration,
      search: tally(g.search.values()),
      validation: tally(g.validation.values()),
      all: tally([...g.search.values(), ...g.validation.values()]),
      failed: g.failed,
      singleModel: models.size === 1 ? [...models][0] : undefined,
      nodes: g.graph.nodes.length,
      width: topo.width,
      depth: topo.depth,
    };
  });
  const objective = result?.objective ?? run.config.objective;
  const best = result ? bestFromResult(result) : bestFromLog(stats, lastLeader);
  if (!result) notes.unshift(`the run is incomplete: ${RUN_FILES.result} is missing, so this report shows what the event log holds so far (no validation-based choice yet)`);

  return {
    dir: run.dir,
    complete: result !== undefined,
    notes,
    config: run.config,
    run: {
      optimizer: result?.optimizer ?? started?.optimizer ?? "unknown",
      seed: result?.seed ?? started?.seed,
      task: result?.task ?? started?.task ?? "unknown",
      pool: result?.pool ?? started?.pool ?? "unknown",
      objective: describeObjective(objective),
      objectiveKind: objective.kind,
      budget: describeBudget(result, run.config),
    },
    graphs: stats,
    iterations,
    sampled,
    curve: curveOf(result, objective.kind, harnessCurve.length > 0 ? harnessCurve : logCurve, harnessCurve.length > 0),
    best,
    fronts: { flops: front2d(stats, (g) => g.all.meanFlops).map((g) => g.hash), latency: front2d(stats, (g) => g.all.meanLatencyMs).map((g) => g.hash) },
    pareto: result?.pareto ?? [],
    candidates: result?.candidates ?? [],
    selectionRule: result?.selectionRule,
    cost: result ? { ...result.cost, graphDollars: result.cost.graphDollars } : cost,
    costSource: result ? "result" : "log",
    agentCalls,
  };
}

function curveOf(result: ResultFile | undefined, kind: Objective["kind"], logCurve: CurvePoint[], ranked: boolean): ReportModel["curve"] {
  const what = kind === "accuracy" ? "accuracy" : "utility";
  if (!result) {
    // Logs from before the harness recorded its leaders: the leader by raw search accuracy.
    const label = ranked ? `leader's estimate (shrunk search ${what})` : `leader's search accuracy (graphs on ≥ ${SOLID_ITEMS} items)`;
    return { points: runningMax(logCurve), source: "log", label, topLabel: `best so far (highest leader ${ranked ? what : "accuracy"} yet)` };
  }
  const points = result.curve.map((c) => ({ evals: c.evals, iteration: c.iteration, best: c.best, top: NaN, hash: c.bestHash }));
  return { points: runningMax(points), source: "result", label: `leader's estimate (shrunk search ${what})`, topLabel: `best so far (highest leader ${what} yet)` };
}

function safeTopology(graph: Graph): { width: number; depth: number } {
  try {
    return topology(graph);
  } catch {
    return { width: NaN, depth: NaN };
  }
}

function bestFromResult(result: ResultFile): BestGraph {
  const b = result.best;
  // The same figures the CLI prints: measured on the items the accuracy is measured on.
  const f = chosenFigures(b);
  return {
    hash: b.hash,
    graph: b.graph,
    basis: f.basis,
    accuracy: f.accuracy,
    graded: f.graded,
    ci: f.ci,
    meanFlops: f.meanFlops,
    meanLatencyMs: f.meanLatencyMs,
    plan: b.plan,
    origin: b.origin,
    how: result.selectionRule,
  };
}

interface HarnessLeader {
  hash: string;
  accuracy: number;
  items: number;
  iteration: number;
}

/**
 * The leader of an unfinished run: the harness's after its last finished iteration, with the figures
 * it recorded then (what `tts-graph status` prints), else the best raw search accuracy.
 */
function bestFromLog(stats: readonly GraphStats[], ranked: HarnessLeader | undefined): BestGraph | undefined {
  const fromHarness = ranked ? stats.find((s) => s.hash === ranked.hash) : undefined;
  const lead = fromHarness ? undefined : leaderOf(stats);
  const g = fromHarness ?? (lead ? stats.find((s) => s.hash === lead.hash) : undefined);
  if (!g) return undefined;
  return {
    hash: g.hash,
    graph: g.graph,
    basis: "search",
    accuracy: fromHarness ? ranked!.accuracy : g.search.accuracy,
    graded: fromHarness ? ranked!.items : g.search.graded,
    ci: undefined,
    meanFlops: g.search.meanFlops,
    meanLatencyMs: g.search.meanLatencyMs,
    plan: undefined,
    origin: g.origin,
    how: fromHarness
      ? `leader so far: first in the search's own ranking after iteration ${ranked!.iteration} (not validated)`
      : `leader so far: highest search accuracy among graphs graded on at least ${SOLID_ITEMS} items (not validated)`,
  };
}
