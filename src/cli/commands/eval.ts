/** `tts-graph eval GRAPH --task T`: accuracy, cost and latency of a graph on a task split. */
import { writeFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import { createExecContext, DEFAULT_CACHED_KINDS, type ExecContext } from "../../exec/context.js";
import { defaultCachePath, ResponseCache } from "../../exec/cache.js";
import { evaluate, type EvalProgress } from "../../exec/evaluate.js";
import type { EvalResult } from "../../exec/types.js";
import { loadGraphFile } from "../../graph/io.js";
import type { Graph } from "../../graph/index.js";
import { resolvePoolPath, type LoadedPool } from "../../models/pool.js";
import { recordedSampling, samplingForGraph, samplingFromFlags, type SamplingConfig, type SamplingFlags } from "../../models/sampling.js";
import { preflight } from "../../models/preflight.js";
import type { ModelSpec } from "../../models/spec.js";
import { resolvePool, resolveProviders, resolveTask } from "../../resolve.js";
import { checkStyle } from "../../tasks/file.js";
import type { Split, Task } from "../../tasks/types.js";
import { ExitError } from "../main.js";
import { emit, type Io } from "../output.js";

/** Options shared by `eval` and `run`. */
export interface ExecOpts extends SamplingFlags {
  pool?: string;
  data?: string;
  seed?: number;
  concurrency?: number;
  /** commander gives `false` for `--no-cache`, a string for `--cache FILE`, `true` by default. */
  cache?: string | boolean;
  /** commander: `--no-probe` gives false. */
  probe?: boolean;
  json?: boolean;
}

export interface EvalOpts extends ExecOpts {
  task: string;
  style?: string;
  split: Split;
  limit?: number;
  traces?: string;
}

/** The pool for a run: `--pool`, else `sim:mixed` for simulated tasks; real tasks must name one. */
export function poolFor(taskSpec: string | undefined, poolSpec: string | undefined): LoadedPool {
  if (poolSpec !== undefined) return resolvePool(poolSpec);
  if (taskSpec?.startsWith("sim:")) return resolvePool("sim:mixed");
  throw new UserError(`--pool is required for ${taskSpec === undefined ? "a graph run without a simulated task" : `task "${taskSpec}"`}: give a pool file listing the models and their endpoints (only simulated tasks default to the sim:mixed pool)`, {
    code: "pool_required",
    source: "--pool",
  });
}

/** Open the response cache unless disabled, and only when some model of the pool is of a cached kind. */
export function openCache(loaded: LoadedPool, opt: ExecOpts["cache"]): ResponseCache | null {
  if (opt === false) return null;
  if (!loaded.pool.models.some((m) => DEFAULT_CACHED_KINDS.includes(m.endpoint.kind))) return null;
  return ResponseCache.open(typeof opt === "string" ? opt : defaultCachePath());
}

/** The graph, checked against the pool's model ids. */
export function loadGraphForPool(file: string, loaded: LoadedPool): Graph {
  return loadGraphFile(file, { models: loaded.pool.models.map((m) => m.id) });
}

/**
 * The pool's models with GGUF paths made absolute, so the response cache (keyed by the endpoint as
 * written) cannot confuse two pools' files that share a relative path.
 */
export function withAbsolutePaths(loaded: LoadedPool): ModelSpec[] {
  return loaded.pool.models.map((m) => (m.endpoint.kind === "gguf" ? { ...m, endpoint: { ...m.endpoint, path: resolvePoolPath(loaded, m.endpoint.path) } } : m));
}

/**
 * The sampling to run graphs with: what they were searched with (`meta.sampling`), flags laid over
 * it, with a warning for each recorded value a flag changes. Graphs recording different settings
 * cannot share one run unless the flags set every differing field.
 */
export function graphSampling(graphs: readonly { file: string; graph: Graph }[], opts: SamplingFlags, warn: (line: string) => void): SamplingConfig | undefined {
  const runs = graphs.map(({ file, graph }) => ({ file, ...samplingForGraph(recordedSampling(graph.meta, file), opts) }));
  const first = runs[0];
  if (!first) return undefined;
  const differing = runs.find((r) => JSON.stringify(r.sampling) !== JSON.stringify(first.sampling));
  if (differing) {
    throw new UserError(`${first.file} and ${differing.file} were searched with different sampling (${JSON.stringify(first.sampling)} and ${JSON.stringify(differing.sampling)}): run them separately, or set the differing values with --temperature, --top-p, --max-tokens or --stop`, {
      code: "sampling_conflict",
      source: differing.file,
    });
  }
  for (const r of runs) for (const o of r.overridden) warn(`warning: ${r.file} was searched with other sampling; ${o} overrides it, so results may differ from the search's`);
  return Object.keys(first.sampling).length > 0 ? first.sampling : undefined;
}

/** Check that the endpoints of `models` answer before anything is spent, unless `--no-probe`; dead replicas are warned about. */
export async function probeEndpoints(models: readonly ModelSpec[], opts: { probe?: boolean }, warn: (line: string) => void, label?: (m: ModelSpec) => string): Promise<void> {
  if (opts.probe === false) return;
  for (const w of await preflight(models, { label })) warn(`warning: ${w}`);
}

/** The pool models a graph uses. */
export function graphModels(graphs: readonly Graph[], loaded: LoadedPool): ModelSpec[] {
  const ids = new Set(graphs.flatMap((g) => g.nodes.map((n) => n.model)));
  return loaded.pool.models.filter((m) => ids.has(m.id));
}

/** An execution context for the CLI's options; `sampling` defaults to the flags' settings alone. */
export function cliContext(task: Task, loaded: LoadedPool, opts: ExecOpts, cache: ResponseCache | null, sampling: SamplingConfig | undefined = samplingFromFlags(opts)): ExecContext {
  return createExecContext({
    task,
    models: withAbsolutePaths(loaded),
    providers: resolveProviders(loaded, { seed: opts.seed, dataDir: opts.data, task }),
    cache,
    concurrency: opts.concurrency,
    seed: opts.seed ?? 0,
    sampling,
  });
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
  await probeEndpoints(graphModels([graph], loaded), opts, (line) => io.stderr(line + "\n"));
  const cache = openCache(loaded, opts.cache);
  let result: EvalResult;
  try {
    const ctx = cliContext(task, loaded, opts, cache, graphSampling([{ file, graph }], opts, (line) => io.stderr(line + "\n")));
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
