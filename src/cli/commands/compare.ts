/**
 * `tts-graph compare`: several search methods, several seeds, equal search cost. Prints the mean
 * true accuracy of each method's chosen graph (simulator ground truth on simulated tasks, else the
 * held-out test split) with its spread, and the best graph any method found.
 */
import { UserError } from "../../errors.js";
import { createExecContext } from "../../exec/context.js";
import { toMermaid } from "../../graph/render.js";
import { runCompare, seedConfig, type CompareResult } from "../../search/compare.js";
import { resolveProviders, resolveTask } from "../../resolve.js";
import type { ResolvedParts } from "../../search/setup.js";
import { executorEvaluator } from "../../search/evaluator.js";
import { optimizers, resolveOptimizer } from "../../search/plugins.js";
import { emit, table, type Io } from "../output.js";
import { checkPoolForTask, configFrom, probeSearch, resolveParts, withPlugins, type SearchFlags } from "../shared/search-config.js";
import { CurveRecorder, writeCompareReport } from "../../report/compare.js";
import { queueEvaluatorFor, queueUrlOf, runSpecOf } from "../queue-setup.js";
import type { QueueEvaluator } from "../../queue/index.js";

export interface CompareOpts extends SearchFlags {
  optimizers: string;
  seeds: number;
  /** Ground-truth items per graph on simulated tasks. */
  truthItems?: number;
  /** Write an HTML comparison here. */
  report?: string;
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : "n/a");

function text(r: CompareResult): string {
  const rows = r.rows.map((x) => [x.optimizer, pct(x.mean), pct(x.std), `${pct(x.min)}-${pct(x.max)}`, pct(x.meanValidation), x.meanEvals.toFixed(0), x.meanUnits.toFixed(1)]);
  const scored = r.scoredBy === "simulator" ? "simulator ground truth" : "held-out test accuracy";
  const best = r.best;
  return [
    `${r.task} with ${r.pool}, budget ${r.budget.limit} ${r.budget.unit}, ${r.evals} graph-item evaluations per run, ${r.seeds} seed${r.seeds === 1 ? "" : "s"}; accuracy in % by ${scored}`,
    "",
    table(["optimizer", "mean", "std", "min-max", "validated", "evals", "units"], rows),
    "",
    `best graph found: ${pct(best.accuracy)}% by ${best.optimizer} (seed ${best.seed}), ${best.hash}, ${best.units.toFixed(1)} units`,
    toMermaid(best.graph),
  ].join("\n");
}

export async function compareCommand(opts: CompareOpts, io: Io): Promise<void> {
  const names = opts.optimizers
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UserError(`--optimizers needs at least one of ${optimizers.names().join(", ")}`, { code: "no_optimizers", source: "--optimizers" });
  if (opts.seeds < 1) throw new UserError("--seeds must be at least 1", { code: "invalid_seeds", source: "--seeds" });
  const base = await withPlugins(configFrom({ ...opts, optimizer: names[0] }), opts.config ?? "command line");
  for (const n of names) resolveOptimizer({ ...base, optimizer: n }, n === names[0] ? (opts.config ?? "command line") : "--optimizers");
  checkPoolForTask(base);
  for (const n of names) {
    if (optimizers.get(n).needsLlm && base.agent === "rules") {
      throw new UserError(`the ${n} optimizer needs an LLM and none is configured: give --agent MODEL_ID (a pool model, or with --agent-url URL a model of an OpenAI-compatible endpoint)`, { code: "needs_llm", source: "--agent" });
    }
  }
  queueUrlOf(opts);
  const parts = resolveParts(base, opts.cache);
  const curves = opts.report !== undefined ? new CurveRecorder() : undefined;
  // With --executor queue every seed's runs (and the test scoring, seed 0) are coordinators on the shared workers.
  const queued: QueueEvaluator[] = [];
  try {
    await probeSearch(base, parts, opts, io);
    for (let seed = 0; seed < opts.seeds; seed++) {
      const q = await queueEvaluatorFor(opts, runSpecOf(seedConfig(base, base.optimizer, seed)));
      if (q) queued.push(q);
    }
    const testEvaluator = parts.task.truth
      ? undefined
      : queued.length > 0
        ? queued[0]!.evaluator
        : executorEvaluator(createExecContext({ task: parts.task, models: parts.pool.pool.models, providers: parts.providers, cache: parts.cache, concurrency: base.concurrency, seed: 0, sampling: base.sampling }));
    const result = await runCompare({
      optimizers: names,
      seeds: opts.seeds,
      base,
      parts,
      partsFor: seedParts(base, parts),
      truthItems: opts.truthItems,
      testEvaluator,
      sinkFor: curves ? (optimizer, seed) => curves.sinkFor(optimizer, seed) : undefined,
      ...(queued.length > 0 ? { evaluatorFor: (seed: number) => queued[seed]!.evaluator } : {}),
      onRun: (run, done, total) => io.stderr(`[${done}/${total}] ${run.optimizer} seed ${run.seed}: ${pct(run.accuracy)}% (validated ${run.validation !== undefined ? pct(run.validation) + "%" : "n/a"}, ${run.evals} evaluations)\n`),
    });
    if (curves && opts.report) io.stderr(`comparison report: ${await writeCompareReport(opts.report, result, curves, base, parts, opts.truthItems)}\n`);
    emit(io, opts.json, result, () => text(result));
  } finally {
    parts.cache?.close();
    for (const q of queued) await q.close();
  }
}

/**
 * The parts of each seed's items: the task drawn with the seed's splits (a simulated world's items,
 * or a data set's split), answered by the same pool and response cache.
 */
function seedParts(base: ReturnType<typeof configFrom>, parts: ResolvedParts): (seed: number) => ResolvedParts {
  const bySeed = new Map<number, ResolvedParts>([[0, parts]]);
  return (seed) => {
    let p = bySeed.get(seed);
    if (!p) {
      const config = seedConfig(base, base.optimizer, seed);
      const task = resolveTask(config.task, { dataDir: config.data, splits: config.splits });
      bySeed.set(seed, (p = { ...parts, task, providers: resolveProviders(parts.pool, { dataDir: config.data, task }) }));
    }
    return p;
  };
}
