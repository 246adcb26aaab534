/** `tts-graph eval GRAPH --task T`: accuracy, cost and latency of a graph on a task split. */
import { writeFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import { cliContext, loadGraphForPool, openCache, poolFor, type ExecOpts } from "../shared/exec.js";
import { evaluate, type EvalProgress } from "../../exec/evaluate.js";
import type { EvalResult } from "../../exec/types.js";
import { resolveTask } from "../../resolve.js";
import { checkStyle } from "../../tasks/file.js";
import type { Split } from "../../tasks/types.js";
import { ExitError } from "../main.js";
import { emit, type Io } from "../output.js";

export interface EvalOpts extends ExecOpts {
  task: string;
  style?: string;
  split: Split;
  limit?: number;
  traces?: string;
}

/** Progress on stderr: a live line on a terminal, else a line every tenth of the items. */
export function progressPrinter(io: Io, total: number): (p: EvalProgress) => void {
  const every = Math.max(1, Math.ceil(total / 10));
  return (p) => {
    const line = `${p.done}/${total} items, ${p.correct} correct, ${p.errored} errored`;
    if (io.isTTY) io.stderr(`\r${line}${p.done === total ? "\n" : ""}`);
    else if (p.done % every === 0 || p.done === total) io.stderr(`${line}\n`);
  };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "n/a");
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : "n/a");

function summaryText(file: string, opts: EvalOpts, r: EvalResult, cachePath: string | null): string {
  const a = r.accuracy;
  const lines = [
    `graph ${file} (${r.graphHash}) on ${opts.task}, ${opts.split} split: ${r.items} items`,
    `accuracy: ${pct(a.rate)} (${r.correct}/${a.n}), ${Math.round(a.confidence * 100)}% CI [${pct(a.low)}, ${pct(a.high)}]`,
    `errored: ${r.errored} item${r.errored === 1 ? "" : "s"}${r.errored > 0 ? " (not counted as wrong)" : ""}`,
    `mean cost: ${Number.isFinite(r.meanFlops) ? r.meanFlops.toExponential(3) : "n/a"} FLOPs = ${Number.isFinite(r.meanUnits) ? r.meanUnits.toFixed(3) : "n/a"} budget units${r.meanDollars !== undefined ? `, $${r.meanDollars.toFixed(6)}` : ""}`,
    `latency: mean ${ms(r.meanLatencyMs)}, p95 ${ms(r.p95LatencyMs)} (critical path)`,
    `calls: ${r.calls} (${r.estimatedCalls} with estimated token counts), ${r.retries} retr${r.retries === 1 ? "y" : "ies"}`,
    cachePath ? `cache: ${r.cache.hits} hits, ${r.cache.misses} misses (${cachePath})` : "cache: off",
  ];
  const errors = r.traces.filter((t) => t.errored).slice(0, 3);
  for (const t of errors) lines.push(`  item ${t.itemId}: ${t.error?.message ?? "error"}`);
  return lines.join("\n");
}

export async function evalCommand(file: string, opts: EvalOpts, io: Io): Promise<void> {
  const task = resolveTask(opts.task, { dataDir: opts.data, seed: opts.seed, ...(opts.style !== undefined ? { style: checkStyle(opts.style) } : {}) });
  const loaded = poolFor(opts.task, opts.pool);
  const graph = loadGraphForPool(file, loaded);
  let items = task.items(opts.split);
  if (opts.limit !== undefined) items = items.slice(0, opts.limit);
  if (items.length === 0) throw new UserError(`task ${opts.task} has no items in its ${opts.split} split`, { code: "no_items", source: "--split" });
  const cache = openCache(loaded, opts.cache);
  let result: EvalResult;
  try {
    const ctx = cliContext(task, loaded, opts, cache);
    result = await evaluate(graph, items, ctx, { onProgress: progressPrinter(io, items.length), keepPrompts: opts.traces !== undefined });
  } finally {
    cache?.close();
  }
  if (opts.traces !== undefined) writeFileSync(opts.traces, result.traces.map((t) => JSON.stringify(t)).join("\n") + "\n");
  const { traces, ...summary } = result;
  const value = {
    graph: file,
    task: task.id,
    split: opts.split,
    pool: loaded.source,
    seed: opts.seed ?? 0,
    ...summary,
    cache: { ...summary.cache, path: cache?.path ?? null },
    itemResults: traces.map((t) => ({ id: t.itemId, correct: t.correct, errored: t.errored, answer: t.answer, flops: t.flops, latencyMs: t.latencyMs, ...(t.error ? { error: t.error } : {}) })),
  };
  emit(io, opts.json, value, () => summaryText(file, opts, result, cache?.path ?? null));
  if (result.errored === result.items) throw new ExitError(1);
}
