/**
 * Comparing search methods at equal search cost: every optimizer runs once per seed with the same
 * config (the same total of graph-item evaluations, probes, pretests and selection included), and
 * each run's chosen graph is scored by the task's ground truth when it has one (simulated tasks),
 * else on the held-out test split. Each seed also draws its own items (the split seed moves with
 * it), so the spread over seeds includes which items a search happened to see, not only its own
 * randomness. The table gives the mean with its spread, and the best graph any method found.
 */
import type { Graph } from "../graph/schema.js";
import type { TaskItem } from "../tasks/types.js";
import { mean, stdev } from "../util/stats.js";
import type { SearchConfig } from "./config.js";
import type { EventSink } from "./events.js";
import { runSearch, type Evaluator, type SearchResult } from "./harness.js";
import { buildSearch, type ResolvedParts } from "./setup.js";
import { scoreOf } from "./score.js";

export interface CompareOptions {
  optimizers: string[];
  /** Seeds 0 .. seeds-1. */
  seeds: number;
  /** The config every run shares; `optimizer` and `seed` are set per run. */
  base: SearchConfig;
  /** The parts of seed 0's items; its ground truth scores every run. */
  parts: ResolvedParts;
  /** The parts of a seed's items ({@link seedConfig}'s splits); default: `parts` for every seed. */
  partsFor?: ((seed: number) => ResolvedParts) | undefined;
  /** Items of ground truth per graph (simulated tasks). */
  truthItems?: number | undefined;
  /** Scores a graph on the test split when the task has no ground truth. */
  testEvaluator?: Evaluator | undefined;
  /** Test items used when the task has no ground truth. */
  testItems?: number | undefined;
  onRun?: ((run: CompareRun, done: number, total: number) => void) | undefined;
  /** The evaluator of each seed's runs instead of the local executor's (e.g. a queue's). */
  evaluatorFor?: ((seed: number) => Evaluator) | undefined;
  /** Events of each run (e.g. for a log per run). */
  sinkFor?: ((optimizer: string, seed: number) => EventSink | undefined) | undefined;
}

export interface CompareRun {
  optimizer: string;
  seed: number;
  hash: string;
  graph: Graph;
  /** Ground truth (or test accuracy) of the chosen graph. */
  accuracy: number;
  stderr: number;
  /** The run's own validation estimate of it. */
  validation: number | undefined;
  units: number;
  evals: number;
  agentCalls: number;
  fallbacks: number;
}

export interface CompareRow {
  optimizer: string;
  runs: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  meanValidation: number;
  meanEvals: number;
  meanUnits: number;
}

export interface CompareResult {
  task: string;
  pool: string;
  budget: { limit: number; unit: string };
  evals: number;
  seeds: number;
  /** `simulator` (exact ground truth) or `test` (held-out test accuracy). */
  scoredBy: "simulator" | "test";
  rows: CompareRow[];
  runs: CompareRun[];
  /** The best graph any run chose, by the same score. */
  best: CompareRun;
}

/**
 * The config of one run of a comparison: the optimizer, the seed, and the items the seed draws
 * (the split seed is the base's plus the seed, so seed 0 searches the base config's own items).
 */
export function seedConfig(base: SearchConfig, optimizer: string, seed: number): SearchConfig {
  return { ...base, optimizer, seed, splits: { ...base.splits, seed: (base.splits?.seed ?? 0) + seed } };
}

export async function runCompare(options: CompareOptions): Promise<CompareResult> {
  const { parts } = options;
  const truth = parts.task.truth?.bind(parts.task);
  const runs: CompareRun[] = [];
  const total = options.optimizers.length * options.seeds;
  const scoreCache = new Map<string, { accuracy: number; stderr: number }>();
  // Ground truth is the same for every seed's items; test items are each seed's own held-out ones.
  const score = async (graph: Graph, hash: string, seedParts: ResolvedParts, seed: number) => {
    const key = truth ? hash : `${seed}\u0000${hash}`;
    const known = scoreCache.get(key);
    if (known) return known;
    let s: { accuracy: number; stderr: number };
    if (truth) {
      const t = truth(graph, options.truthItems !== undefined ? { items: options.truthItems } : undefined);
      s = { accuracy: t.accuracy, stderr: t.stderr };
    } else {
      if (!options.testEvaluator) throw new Error("compare needs a test evaluator for tasks without ground truth");
      const testItems: TaskItem[] = seedParts.task.items("test").slice(0, options.testItems ?? 500);
      const out = await options.testEvaluator(graph, testItems, "validation");
      const sc = scoreOf(out, { kind: "accuracy" });
      const n = sc.items - sc.errored;
      s = { accuracy: sc.accuracy, stderr: n > 0 ? Math.sqrt((sc.accuracy * (1 - sc.accuracy)) / n) : NaN };
    }
    scoreCache.set(key, s);
    return s;
  };
  for (const optimizer of options.optimizers) {
    for (let seed = 0; seed < options.seeds; seed++) {
      const seedParts = options.partsFor?.(seed) ?? parts;
      const built = buildSearch(seedConfig(options.base, optimizer, seed), seedParts);
      const setup = options.evaluatorFor ? { ...built, evaluator: options.evaluatorFor(seed) } : built;
      const result: SearchResult = await runSearch(setup, { sink: options.sinkFor?.(optimizer, seed) });
      const s = await score(result.best.graph, result.best.hash, seedParts, seed);
      const run: CompareRun = {
        optimizer,
        seed,
        hash: result.best.hash,
        graph: result.best.graph,
        accuracy: s.accuracy,
        stderr: s.stderr,
        validation: result.best.validation?.accuracy,
        units: result.best.plan.units,
        evals: result.cost.evals.total,
        agentCalls: result.cost.agent.calls,
        fallbacks: result.cost.agent.fallbacks,
      };
      runs.push(run);
      options.onRun?.(run, runs.length, total);
    }
  }
  const rows: CompareRow[] = options.optimizers.map((optimizer) => {
    const rs = runs.filter((r) => r.optimizer === optimizer);
    const acc = rs.map((r) => r.accuracy);
    return {
      optimizer,
      runs: rs.length,
      mean: mean(acc),
      std: stdev(acc),
      min: Math.min(...acc),
      max: Math.max(...acc),
      meanValidation: mean(rs.map((r) => r.validation ?? NaN).filter(Number.isFinite)),
      meanEvals: mean(rs.map((r) => r.evals)),
      meanUnits: mean(rs.map((r) => r.units)),
    };
  });
  const best = runs.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  return {
    task: parts.task.id,
    pool: parts.pool.source,
    budget: { limit: options.base.budget, unit: options.base.budgetUnit },
    evals: options.base.evals,
    seeds: options.seeds,
    scoredBy: truth ? "simulator" : "test",
    rows,
    runs,
    best,
  };
}
