/**
 * `tts-graph search`: find the best collaboration graph for a task, pool and budget. Flags override
 * the config file; with no options it runs Agent-REINFORCE with the rule agent on sim:math with the
 * sim:llama pool at budget 18. The output folder is a run folder (src/runs): config.json, the event
 * journal events.jsonl, checkpoint.json at iteration boundaries, and at the end best.graph.json and
 * result.json. `--resume DIR` continues an interrupted run: it re-runs from the start with every
 * evaluation and agent call of the journal answered from it, which gives exactly the uninterrupted
 * run. Progress goes to stderr.
 */
import { join, resolve } from "node:path";
import { UserError } from "../../errors.js";
import type { ResponseCache } from "../../exec/cache.js";
import { toMermaid } from "../../graph/render.js";
import type { LoadedPool } from "../../models/pool.js";
import { absoluteSpec, resolveProviders, resolveTask } from "../../resolve.js";
import { acquireLock, configDifferences, createRunDir, describeDifferences, discardNewRun, readRun } from "../../runs/dir.js";
import { journalEvaluations, type JournalRead } from "../../runs/journal.js";
import { RunRecorder } from "../../runs/recorder.js";
import { trapStopSignals } from "../../runs/signals.js";
import { absoluteSplitConfig } from "../../tasks/splits.js";
import { loadSearchConfig, parseSearchConfig, type SearchConfig } from "../../search/config.js";
import { replayMemo, type ReplayMemo } from "../../search/events.js";
import { newRunStats, runSearch, type SearchResult, type SearchSetup } from "../../search/harness.js";
import { objectiveFromName } from "../../search/objective.js";
import { buildSearch, type ResolvedParts } from "../../search/setup.js";
import { emit, type Io } from "../output.js";
import { writeReport } from "../../report/index.js";
import { ProgressLine } from "../progress.js";
import { withAbsolutePaths, openCache, poolFor } from "../exec-setup.js";
import { queueEvaluatorFor, queueUrlOf, runSpecOf, type QueueFlags } from "../queue-setup.js";

/** Flags shared by `search` and `compare`. */
export interface SearchFlags extends QueueFlags {
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
  /** Continue the interrupted run in this folder. */
  resume?: string;
  /** Start over in a folder that holds a run (or other files). */
  force?: boolean;
}

/** The config file (else `base`, else the defaults) with the flags laid over it, validated as one. */
export function configFrom(opts: SearchFlags, base?: SearchConfig): SearchConfig {
  const file = opts.config !== undefined ? loadSearchConfig(opts.config) : (base ?? parseSearchConfig({}));
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
  const task = resolveTask(config.task, { dataDir: config.data, splits: config.splits });
  const loaded = poolFor(config.task, config.pool);
  const pool: LoadedPool = { ...loaded, pool: { ...loaded.pool, models: withAbsolutePaths(loaded) } };
  const cache = config.cache ? openCache(pool, cacheOpt === undefined ? true : cacheOpt) : null;
  return { task, pool, providers: resolveProviders(pool, { dataDir: config.data, task }), cache };
}

/** Simulated models answer only simulated tasks; say so before anything runs. */
export function checkPoolForTask(config: SearchConfig): void {
  if (config.task.startsWith("sim:") || !config.pool.startsWith("sim:")) return;
  // A task name that is wrong is the first thing to say.
  resolveTask(config.task, { dataDir: config.data });
  throw new UserError(`task ${config.task} is not simulated, but pool ${config.pool} holds simulated models, which only answer simulated tasks: give --pool with a pool file of real models`, { code: "pool_required", source: "--pool" });
}

/** A deterministic default output folder for a config. */
export function defaultOutDir(config: SearchConfig): string {
  const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "");
  return join("runs", `${slug(config.task)}-${slug(config.pool)}-${config.optimizer}-b${config.budget}-s${config.seed}`);
}

const pct = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "n/a");

function summary(result: SearchResult, out: string, truth: { accuracy: number; stderr: number } | undefined, report: { html: string; markdown: string } | undefined): string {
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
    `search cost: ${c.evals.total} graph-item evaluations (probe ${c.evals.probe}, pretest ${c.evals.pretest}, search ${c.evals.search}, selection ${c.evals.selection}), ${c.graphCalls} model calls (${c.graphRetries} retried attempts), ${c.erroredItems} errored items, ${c.graphFlops.toExponential(3)} FLOPs`,
    `agent: ${c.agent.calls} LLM calls (${c.agent.promptTokens} prompt + ${c.agent.completionTokens} completion tokens), ${c.agent.rejected} updates rejected by validation, ${c.agent.fallbacks} fallbacks to the rule agent`,
    `chosen: ${result.selectionRule}`,
  ];
  if (truth) lines.push(`simulator ground truth of this graph: ${pct(truth.accuracy)} (± ${(100 * truth.stderr).toFixed(1)} points)`);
  lines.push(`wrote ${join(out, "best.graph.json")}, ${join(out, "result.json")} and ${join(out, "events.jsonl")}`);
  if (report) lines.push(`report: ${report.html} (Markdown: ${report.markdown})`);
  return lines.join("\n");
}

/** A folder name as it can be pasted into a shell. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command that continues the run in `dir`. */
export function resumeCommandFor(dir: string): string {
  return `tts-graph search --resume ${shellQuote(dir)}`;
}

/** Flags that only say where things are or how fast to go: a resume may change them. */
const RESUME_FREE_FLAGS = "--cache, --no-cache, --concurrency, --data, --executor, --queue and --json";

/** The run's config with the flags given to `--resume` checked against it: flags that change the result must match. */
export function resumeConfig(stored: SearchConfig, opts: SearchOpts, dir: string): SearchConfig {
  if (opts.force) throw new UserError("--force cannot be used with --resume: a resumed run continues, it never starts over", { code: "resume_flags", source: "--force" });
  if (opts.out !== undefined && resolve(opts.out) !== resolve(dir)) {
    throw new UserError(`--out ${opts.out} differs from --resume ${dir}: a resumed run stays in its folder`, { code: "resume_flags", source: "--out" });
  }
  // Files named by the flags are compared as the new run recorded them: absolute.
  const flags = { ...opts, task: opts.task !== undefined ? absoluteSpec(opts.task) : undefined, pool: opts.pool !== undefined ? absoluteSpec(opts.pool) : undefined };
  const given = configFrom({ ...flags, data: undefined, concurrency: undefined, cache: undefined }, stored);
  const diffs = configDifferences(stored, given);
  if (diffs.length > 0) {
    throw new UserError(
      `--resume ${dir}: the flags change the run's config (${describeDifferences(diffs)}); a resumed run keeps the config in its config.json, so drop those flags (only ${RESUME_FREE_FLAGS} may differ), or start a new run with another --out`,
      { code: "resume_flags", source: "--resume" },
    );
  }
  return {
    ...stored,
    cache: opts.cache === false ? false : stored.cache,
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.data !== undefined ? { data: resolve(opts.data) } : {}),
  };
}

/**
 * The config with its task, pool and data paths made absolute, as a new run records it: the run can
 * then be resumed, or reported on, from any working directory.
 */
export function withAbsoluteFiles(config: SearchConfig): SearchConfig {
  return { ...config, task: absoluteSpec(config.task), pool: absoluteSpec(config.pool), ...(config.data !== undefined ? { data: resolve(config.data) } : {}), ...(config.splits ? { splits: absoluteSplitConfig(config.splits, resolve) } : {}) };
}

interface Prepared {
  out: string;
  /** The config as the run records it. */
  config: SearchConfig;
  setup: SearchSetup;
  parts: ResolvedParts & { cache: ResponseCache | null };
}

/** Resolve task, pool and providers and build the search. */
function prepare(out: string, recorded: SearchConfig, effective: SearchConfig, cacheOpt: string | boolean | undefined): Prepared {
  checkPoolForTask(effective);
  const parts = resolveParts(effective, cacheOpt);
  try {
    const setup: SearchSetup = { ...buildSearch(effective, parts), config: recorded };
    return { out, config: recorded, setup, parts };
  } catch (err) {
    parts.cache?.close();
    throw err;
  }
}

export async function searchCommand(opts: SearchOpts, io: Io): Promise<void> {
  queueUrlOf(opts);
  if (opts.resume !== undefined) return resumeSearch(opts.resume, opts, io);
  const given = configFrom(opts);
  const config = withAbsoluteFiles(given);
  const out = opts.out ?? defaultOutDir(given);
  const prepared = prepare(out, config, config, opts.cache);
  try {
    const { created } = createRunDir(out, config, { force: opts.force });
    io.stderr(`searching: ${config.optimizer} on ${config.task} with ${config.pool}, budget ${config.budget} ${config.budgetUnit}, ${config.evals} evaluations, seed ${config.seed}; writing ${out}\n`);
    await execute(prepared, opts, io, { created });
  } finally {
    prepared.parts.cache?.close();
  }
}

async function resumeSearch(dir: string, opts: SearchOpts, io: Io): Promise<void> {
  const run = readRun(dir);
  const effective = resumeConfig(run.config, opts, dir);
  const prepared = prepare(dir, run.config, effective, opts.cache);
  try {
    acquireLock(dir);
    const j = run.journal;
    const evals = journalEvaluations(j.events);
    const state = run.result ? "a finished run" : "an interrupted run";
    io.stderr(
      `resuming ${state} in ${dir}: its journal holds ${j.events.length} events (${evals} of ${run.config.evals} evaluations)` +
        (j.torn ? `; its last line (line ${j.torn.line}, ${j.torn.bytes} bytes) was cut short when the process stopped and is dropped` : "") +
        "\n",
    );
    await execute(prepared, opts, io, { journal: j });
  } finally {
    prepared.parts.cache?.close();
  }
}

/** Run the search into the run folder, resumable at every instant; then write the result. */
async function execute(p: Prepared, opts: SearchOpts, io: Io, from: { created?: boolean; journal?: JournalRead }): Promise<void> {
  const { out, config, setup, parts } = p;
  const stats = newRunStats();
  const memo: ReplayMemo | undefined = from.journal ? replayMemo(from.journal.events) : undefined;
  const progress = new ProgressLine(io, { total: config.evals, stats, cache: parts.cache?.lookups });
  const recorder = new RunRecorder(out, { evalsTotal: config.evals, existing: from.journal, onEvent: (e, state) => progress.update(e, state) });
  const untrap = trapStopSignals((signal, code) => {
    recorder.stop(signal);
    progress.clearLive();
    const done = recorder.progress().evals;
    const how = resumeCommandFor(out);
    io.stderr(`\nstopped by ${signal} after ${done} of ${config.evals} evaluations; the run folder ${out} is saved. Continue it with:\n  ${how}\n`);
    if (opts.json) io.stdout(JSON.stringify({ error: { code: "interrupted", message: `stopped by ${signal}`, signal, out, evals: done, resume: how } }) + "\n");
    parts.cache?.close();
    process.exit(code);
  });
  let result: SearchResult;
  const queued = await queueEvaluatorFor(opts, runSpecOf(config));
  try {
    result = await runSearch(queued ? { ...setup, evaluator: queued.evaluator } : setup, { sink: recorder, memo, stats });
  } catch (err) {
    progress.clearLive();
    if (from.created !== undefined && recorder.progress().events === 0 && err instanceof UserError) {
      // Nothing ran: leave no run folder behind for a config that cannot run.
      recorder.stop("error");
      discardNewRun(out, from.created);
    } else {
      recorder.stop(`error: ${(err as Error).message ?? String(err)}`);
      io.stderr(`the run stopped with an error; its folder ${out} is saved, and after fixing the cause it continues with:\n  ${resumeCommandFor(out)}\n`);
    }
    throw err;
  } finally {
    untrap();
    await queued?.close();
  }
  const bestGraph = { ...result.best.graph, name: `best-${result.best.hash}`, meta: { optimizer: result.optimizer, task: result.task, pool: result.pool, budget: result.budget, seed: result.seed, validation: result.best.validation ?? null } };
  recorder.finish(result, bestGraph);
  progress.clearLive();
  const resumed = from.journal
    ? { replayedEvaluations: stats.replayedItems, replayedAgentCalls: stats.replayedChats, newEvaluations: result.cost.evals.total - stats.replayedItems, divergedAt: recorder.divergedAt ?? null }
    : undefined;
  if (resumed) {
    io.stderr(`resumed: replayed ${resumed.replayedEvaluations} evaluations and ${resumed.replayedAgentCalls} agent calls from the journal, ran ${resumed.newEvaluations} new evaluations\n`);
    if (recorder.divergedAt !== undefined) io.stderr(`warning: the re-run differed from the journal from event ${recorder.divergedAt} on (was the config, the data or tts-graph changed?); the journal now holds this run's events\n`);
  }

  // A report that cannot be written must not cost the user the search it describes.
  let reportFiles: { html: string; markdown: string } | undefined;
  try {
    reportFiles = await writeReport(out, { models: parts.pool.pool.models });
  } catch (err) {
    io.stderr(`warning: the report could not be written (${(err as Error).message}); the run is complete, try again with: tts-graph report ${out}\n`);
  }

  const truth = parts.task.truth?.(result.best.graph);
  emit(io, opts.json, { out, result, truth: truth ? { accuracy: truth.accuracy, stderr: truth.stderr } : null, report: reportFiles ?? null, ...(resumed ? { resumed } : {}) }, () => summary(result, out, truth, reportFiles));
}
