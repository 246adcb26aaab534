/**
 * `tts-graph search`: find the best collaboration graph for a task, pool and budget. Flags override
 * the config file; with no options it runs Agent-REINFORCE with the rule agent on sim:math with the
 * sim:llama pool at budget 18. Writes `best.graph.json`, `result.json`, `config.json` and the event
 * log `events.jsonl` to the output folder; progress goes to stderr.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../errors.js";
import type { ResponseCache } from "../../exec/cache.js";
import { toMermaid } from "../../graph/render.js";
import { saveGraphFile } from "../../graph/io.js";
import type { LoadedPool } from "../../models/pool.js";
import { resolveProviders, resolveTask } from "../../resolve.js";
import { loadSearchConfig, parseSearchConfig, type SearchConfig } from "../../search/config.js";
import { teeSinks, type EventSink, type RecordedEvent } from "../../search/events.js";
import { runSearch, type SearchResult } from "../../search/harness.js";
import { objectiveFromName } from "../../search/objective.js";
import { buildSearch, type ResolvedParts } from "../../search/setup.js";
import { writeJsonAtomic } from "../../util/files.js";
import { emit, jsonReplacer, type Io } from "../output.js";
import { openCache, poolFor, withAbsolutePaths } from "./eval.js";

/** Flags shared by `search` and `compare`. */
export interface SearchFlags {
  config?: string;
  task?: string;
  pool?: string;
  budget?: number;
  budgetUnit?: "units" | "flops" | "usd" | "ms";
  optimizer?: string;
  agent?: string;
  agentUrl?: string;
  iterations?: number;
  batch?: number;
  samples?: number;
  evals?: number;
  objective?: "accuracy" | "latency" | "cost";
  latencyLimit?: number;
  seed?: number;
  /** commander: `--no-insights` gives false. */
  insights?: boolean;
  randomInit?: boolean;
  /** commander: `--no-fuser` gives false. */
  fuser?: boolean;
  outputModel?: string;
  data?: string;
  concurrency?: number;
  /** commander: `--no-cache` gives false, `--cache FILE` a string. */
  cache?: string | boolean;
  json?: boolean;
}

export interface SearchOpts extends SearchFlags {
  out?: string;
}

/** The config file (if any) with the flags laid over it, validated as one. */
export function configFrom(opts: SearchFlags): SearchConfig {
  const file = opts.config !== undefined ? loadSearchConfig(opts.config) : parseSearchConfig({});
  const raw: Record<string, unknown> = { ...file };
  const set = (k: string, v: unknown) => {
    if (v !== undefined) raw[k] = v;
  };
  set("task", opts.task);
  set("pool", opts.pool);
  set("budget", opts.budget);
  set("budgetUnit", opts.budgetUnit);
  set("optimizer", opts.optimizer);
  set("agent", opts.agent);
  set("agentUrl", opts.agentUrl);
  set("iterations", opts.iterations);
  set("batch", opts.batch);
  set("samples", opts.samples);
  set("evals", opts.evals);
  set("seed", opts.seed);
  set("data", opts.data);
  set("concurrency", opts.concurrency);
  if (opts.cache === false) raw.cache = false;
  if (opts.objective !== undefined || opts.latencyLimit !== undefined) {
    const o = objectiveFromName(opts.objective ?? (opts.latencyLimit !== undefined ? "latency" : "accuracy"));
    raw.objective = o.kind === "latency" && opts.latencyLimit !== undefined ? { ...o, limitMs: opts.latencyLimit } : o;
  }
  const space = { ...file.space };
  if (opts.fuser === false) space.fuser = false;
  if (opts.outputModel !== undefined) space.outputModel = opts.outputModel;
  raw.space = space;
  const optimizerOptions = { ...file.optimizerOptions };
  if (opts.insights === false) optimizerOptions.insights = false;
  if (opts.randomInit) optimizerOptions.init = "random";
  raw.optimizerOptions = optimizerOptions;
  return parseSearchConfig(raw, opts.config ?? "command line");
}

/** Task, pool, providers and response cache of a config. Close the cache when done. */
export function resolveParts(config: SearchConfig, cacheOpt?: string | boolean): ResolvedParts & { cache: ResponseCache | null } {
  const task = resolveTask(config.task, { dataDir: config.data });
  const loaded = poolFor(config.task, config.pool);
  const pool: LoadedPool = { ...loaded, pool: { ...loaded.pool, models: withAbsolutePaths(loaded) } };
  const cache = config.cache ? openCache(pool, cacheOpt === undefined ? true : cacheOpt) : null;
  return { task, pool, providers: resolveProviders(pool, { dataDir: config.data, task }), cache };
}

/** Simulated models answer only simulated tasks; say so before anything runs. */
export function checkPoolForTask(config: SearchConfig): void {
  if (config.task.startsWith("sim:") || !config.pool.startsWith("sim:")) return;
  throw new UserError(`task ${config.task} is not simulated, but pool ${config.pool} holds simulated models, which only answer simulated tasks: give --pool with a pool file of real models`, { code: "pool_required", source: "--pool" });
}

/** A deterministic default output folder for a config. */
export function defaultOutDir(config: SearchConfig): string {
  const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "");
  return join("runs", `${slug(config.task)}-${slug(config.pool)}-${config.optimizer}-b${config.budget}-s${config.seed}`);
}

/** Progress lines on stderr, one per iteration. */
export function progressSink(io: Io, total: number, label = ""): EventSink {
  let evals = 0;
  return {
    onEvent(e: RecordedEvent) {
      if (e.type === "eval.batch") evals += e.items.length;
      else if (e.type === "optimizer.updated" || (e.type === "iteration.started" && e.split === "validation")) {
        const what = e.type === "iteration.started" ? "selection on validation items" : `iteration ${e.iteration}`;
        io.stderr(`${label}${what}: ${evals}/${total} evaluations\n`);
      } else if (e.type === "agent.fallback") io.stderr(`${label}agent fallback (iteration ${e.iteration}): ${e.reason}\n`);
    },
  };
}

/** Append every event to a JSONL file. */
export function jsonlSink(path: string): EventSink {
  writeFileSync(path, "");
  return { onEvent: (e) => appendFileSync(path, JSON.stringify(e, jsonReplacer) + "\n") };
}

const pct = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "n/a");

function summary(result: SearchResult, out: string, truth: { accuracy: number; stderr: number } | undefined): string {
  const b = result.best;
  const v = b.validation;
  const c = result.cost;
  const lines = [
    `best graph (${b.hash}), found by ${result.optimizer} on ${result.task} with pool ${result.pool}, budget ${result.budget.limit} ${result.budget.unit}:`,
    "",
    toMermaid(b.graph),
    "",
    v
      ? `validated accuracy: ${pct(v.accuracy)} (${v.correct}/${v.items - v.errored}), ${Math.round(v.ci.confidence * 100)}% CI [${pct(v.ci.low)}, ${pct(v.ci.high)}]`
      : `accuracy on search items: ${pct(b.search.accuracy)} (no validation items could be scored)`,
    `search-item accuracy: ${pct(b.search.accuracy)} over ${b.search.items} items`,
    `cost per query: ${b.plan.flops.toExponential(3)} FLOPs a priori (${b.plan.units.toFixed(2)} units), ${(v ?? b.search).meanFlops.toExponential(3)} measured`,
    `latency per query: ${(v ?? b.search).meanLatencyMs.toFixed(0)} ms mean (critical path)`,
    `search cost: ${c.evals.total} graph-item evaluations (probe ${c.evals.probe}, pretest ${c.evals.pretest}, search ${c.evals.search}, selection ${c.evals.selection}), ${c.graphCalls} model calls, ${c.graphFlops.toExponential(3)} FLOPs`,
    `agent: ${c.agent.calls} LLM calls (${c.agent.promptTokens} prompt + ${c.agent.completionTokens} completion tokens), ${c.agent.rejected} rejected replies, ${c.agent.fallbacks} fallbacks to the rule agent`,
    `chosen: ${result.selectionRule}`,
  ];
  if (truth) lines.push(`simulator ground truth of this graph: ${pct(truth.accuracy)} (± ${(100 * truth.stderr).toFixed(1)} points)`);
  lines.push(`wrote ${join(out, "best.graph.json")}, ${join(out, "result.json")} and ${join(out, "events.jsonl")}`);
  return lines.join("\n");
}

export async function searchCommand(opts: SearchOpts, io: Io): Promise<void> {
  const config = configFrom(opts);
  checkPoolForTask(config);
  const out = opts.out ?? defaultOutDir(config);
  const parts = resolveParts(config, opts.cache);
  try {
    const setup = buildSearch(config, parts);
    try {
      mkdirSync(out, { recursive: true });
    } catch (err) {
      throw new UserError(`cannot create the output folder ${out}: ${(err as Error).message}`, { code: "out_unwritable", source: "--out" });
    }
    writeJsonAtomic(join(out, "config.json"), config);
    io.stderr(`searching: ${config.optimizer} on ${config.task} with ${config.pool}, budget ${config.budget} ${config.budgetUnit}, ${config.evals} evaluations, seed ${config.seed}\n`);
    const result = await runSearch(setup, { sink: teeSinks(progressSink(io, config.evals), jsonlSink(join(out, "events.jsonl"))) });
    const truth = parts.task.truth?.(result.best.graph);
    saveGraphFile(join(out, "best.graph.json"), { ...result.best.graph, name: `best-${result.best.hash}`, meta: { optimizer: result.optimizer, task: result.task, pool: result.pool, budget: result.budget, seed: result.seed, validation: result.best.validation ?? null } });
    writeJsonAtomic(join(out, "result.json"), JSON.parse(JSON.stringify(result, jsonReplacer)));
    emit(io, opts.json, { out, result, truth: truth ? { accuracy: truth.accuracy, stderr: truth.stderr } : null }, () => summary(result, out, truth));
  } finally {
    parts.cache?.close();
  }
}
