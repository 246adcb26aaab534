/**
 * Evaluating a graph on a batch of items: items run concurrently up to the context's limit (which
 * also bounds model calls across items, nodes and concurrent evaluations), and the result gives
 * accuracy over the items that did not error (errored items are counted apart, never as wrong),
 * mean costs, latency percentiles and call accounting.
 */
import { setMaxListeners } from "node:events";
import { UserError } from "../errors.js";
import type { Graph } from "../graph/schema.js";
import type { TaskItem } from "../tasks/types.js";
import { mean, wilson } from "../util/stats.js";
import type { ExecContext } from "./context.js";
import { prepareGraph, runGraph, type PreparedGraph, type RunOptions } from "./run.js";
import type { EvalResult, Trace } from "./types.js";

export interface EvalProgress {
  done: number;
  total: number;
  correct: number;
  errored: number;
  /** The trace of the item just finished. */
  trace: Trace;
}

export interface EvaluateOptions extends RunOptions {
  /** Items in flight at once (default: the context's concurrency). */
  concurrency?: number | undefined;
  /** Called after each item, in completion order. */
  onProgress?: ((progress: EvalProgress) => void) | undefined;
  /** Keep per-item traces in the result (default true); false leaves `traces` empty. */
  keepTraces?: boolean | undefined;
}

/** The q-quantile (0..1) of a sample, by linear interpolation; NaN for an empty sample. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Summarise traces into an evaluation result. Means are over the items that did not error. */
export function summarise(graphHash: string, traces: readonly Trace[], unitFlops: number, keepTraces = true): EvalResult {
  const ok = traces.filter((t) => !t.errored);
  const correct = ok.filter((t) => t.correct === true).length;
  const priced = ok.filter((t) => t.dollars !== undefined);
  let calls = 0;
  let estimatedCalls = 0;
  let hits = 0;
  let misses = 0;
  let retries = 0;
  for (const t of traces) {
    for (const n of t.nodes) {
      calls++;
      if (n.estimated) estimatedCalls++;
      if (n.cached) hits++;
      if (n.cache === "miss") misses++;
      retries += Math.max(0, n.attempts - 1);
    }
  }
  const meanFlops = mean(ok.map((t) => t.flops));
  return {
    graphHash,
    items: traces.length,
    correct,
    errored: traces.length - ok.length,
    unreadable: ok.filter((t) => t.unreadable).length,
    accuracy: wilson(correct, ok.length),
    meanFlops,
    meanUnits: meanFlops / unitFlops,
    meanDollars: priced.length === 0 ? undefined : mean(priced.map((t) => t.dollars!)),
    meanLatencyMs: mean(ok.map((t) => t.latencyMs)),
    p95LatencyMs: quantile(
      ok.map((t) => t.latencyMs),
      0.95,
    ),
    calls,
    estimatedCalls,
    cache: { hits, misses },
    retries,
    traces: keepTraces ? [...traces] : [],
  };
}

/**
 * Run a graph on every item and summarise. Throws only for user errors (bad graph, bad setup) or cancellation.
 *
 * @example
 * ```ts
 * import { createExecContext, evaluate, parseGraph, resolvePool, resolveProviders, resolveTask } from "tts-graph";
 *
 * const task = resolveTask("sim:math");
 * const pool = resolvePool("sim:llama");
 * const ctx = createExecContext({ task, models: pool.pool.models, providers: resolveProviders(pool, { task }) });
 * const graph = parseGraph({ version: 1, nodes: [{ id: "a", role: "assistant", model: "llama-3b" }], edges: [], output: "a" });
 * const result = await evaluate(graph, task.items("test").slice(0, 50), ctx);
 * console.log(result.accuracy.rate, result.errored, result.meanFlops);
 * ```
 */
export async function evaluate(graph: Graph | PreparedGraph, items: readonly TaskItem[], ctx: ExecContext, options: EvaluateOptions = {}): Promise<EvalResult> {
  const g = "levels" in graph ? graph : prepareGraph(graph, ctx);
  const width = Math.max(1, Math.min(options.concurrency ?? ctx.concurrency, items.length));
  const traces = new Array<Trace>(items.length);
  const abort = new AbortController();
  // Every call in flight listens on this signal; their number is bounded by the concurrency.
  setMaxListeners(0, abort.signal);
  const outer = options.signal ?? ctx.signal;
  const onOuterAbort = () => abort.abort(outer?.reason);
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  let next = 0;
  let doneCount = 0;
  let correct = 0;
  let errored = 0;
  let fatal: unknown;

  const runOptions: RunOptions = { ...options, signal: abort.signal };
  const worker = async () => {
    while (fatal === undefined && !abort.signal.aborted) {
      const k = next++;
      if (k >= items.length) return;
      try {
        const trace = await runGraph(g, items[k]!, ctx, runOptions);
        traces[k] = trace;
        doneCount++;
        if (trace.errored) errored++;
        else if (trace.correct) correct++;
        options.onProgress?.({ done: doneCount, total: items.length, correct, errored, trace });
      } catch (err) {
        fatal ??= err;
        abort.abort(err);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: width }, worker));
  } finally {
    outer?.removeEventListener("abort", onOuterAbort);
  }
  if (fatal !== undefined) throw fatal;
  if (outer?.aborted) throw new UserError("the evaluation was cancelled", { code: "cancelled" });
  return summarise(g.hash, traces, ctx.unitFlops, options.keepTraces ?? true);
}
