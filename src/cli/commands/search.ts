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
import { absoluteSpec } from "../../resolve.js";
import { configDifferences, describeDifferences, readRun, resumeCommandFor } from "../../runs/dir.js";
import { SearchRun } from "../../runs/session.js";
import { trapStopSignals } from "../../runs/signals.js";
import type { SearchConfig } from "../../search/config.js";
import type { SearchResult, SearchSetup } from "../../search/harness.js";
import { buildSearch, type ResolvedParts } from "../../search/setup.js";
import { writeReport } from "../../report/index.js";
import { agentUnusable } from "../../report/extract.js";
import { emit, type Io } from "../output.js";
import { chosenFigures } from "../../report/figures.js";
import { ms, sci } from "../../report/format.js";
import { ProgressLine } from "../progress.js";
import { checkPoolForTask, configFrom, defaultOutDir, probeSearch, resolveParts, withAbsoluteFiles, withPlugins, type SearchFlags } from "../shared/search-config.js";
import { DEFAULT_SAMPLING } from "../../exec/context.js";
import { isSimTask, outputCapWarnings, simModelId } from "../../sim/index.js";
import { queueEvaluatorFor, queueUrlOf, runSpecOf } from "../queue-setup.js";
import type { QueueEvaluator } from "../../queue/index.js";

export interface SearchOpts extends SearchFlags {
  out?: string;
  /** Continue the interrupted run in this folder. */
  resume?: string;
  /** Start over in a folder that holds a run (or other files). */
  force?: boolean;
}

const pct = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "n/a");

function summary(result: SearchResult, out: string, truth: { accuracy: number; stderr: number } | undefined, report: { html: string; markdown: string } | undefined, agent: string): string {
  const b = result.best;
  const v = b.validation;
  const f = chosenFigures(b);
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
    `cost per query: ${sci(b.plan.flops)} FLOPs a priori (${b.plan.units.toFixed(2)} units), ${sci(f.meanFlops)} measured on the ${f.graded} ${f.basis} items`,
    `latency per query: ${ms(f.meanLatencyMs)} mean on the ${f.graded} ${f.basis} items (critical path)`,
    `search cost: ${c.evals.total} graph-item evaluations (probe ${c.evals.probe}, pretest ${c.evals.pretest}, search ${c.evals.search}, selection ${c.evals.selection}), ${c.graphCalls} model calls (${c.graphRetries} retried attempts), ${c.erroredItems} errored items, ${c.graphFlops.toExponential(3)} FLOPs`,
    `agent: ${c.agent.calls} LLM calls (${c.agent.promptTokens} prompt + ${c.agent.completionTokens} completion tokens), ${c.agent.rejected} updates rejected by validation, ${c.agent.fallbacks} fallbacks to the rule agent`,
    `chosen: ${result.selectionRule}`,
  ];
  if (result.spending.reason !== "the whole budget was spent") lines.push(`evaluations: ${result.spending.reason}`);
  const unusable = agentUnusable(c.agent, agent);
  if (unusable) lines.unshift(`warning: ${unusable}`, "");
  if (truth) lines.push(`simulator ground truth of this graph: ${pct(truth.accuracy)} (± ${(100 * truth.stderr).toFixed(1)} points)`);
  lines.push(`wrote ${join(out, "best.graph.json")}, ${join(out, "result.json")} and ${join(out, "events.jsonl")}`);
  if (report) lines.push(`report: ${report.html} (Markdown: ${report.markdown})`);
  return lines.join("\n");
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

interface Prepared {
  setup: SearchSetup;
  parts: ResolvedParts & { cache: ResponseCache | null };
}

/** Resolve task, pool and providers and build the search, recording `recorded` as its config. */
function prepare(recorded: SearchConfig, effective: SearchConfig, cacheOpt: string | boolean | undefined): Prepared {
  checkPoolForTask(effective);
  const parts = resolveParts(effective, cacheOpt);
  try {
    return { setup: { ...buildSearch(effective, parts), config: recorded }, parts };
  } catch (err) {
    parts.cache?.close();
    throw err;
  }
}

export async function searchCommand(opts: SearchOpts, io: Io): Promise<void> {
  queueUrlOf(opts);
  if (opts.resume !== undefined) return resumeSearch(opts.resume, opts, io);
  const given = await withPlugins(configFrom(opts), opts.config ?? "command line");
  const config = withAbsoluteFiles(given);
  const out = opts.out ?? defaultOutDir(given);
  const prepared = prepare(config, config, opts.cache);
  try {
    await probeSearch(config, prepared.parts, opts, io);
    const run = SearchRun.start(out, config, { force: opts.force });
    io.stderr(`searching: ${config.optimizer} on ${config.task} with ${config.pool}, budget ${config.budget} ${config.budgetUnit}, ${config.evals} evaluations, seed ${config.seed}; writing ${out}\n`);
    await execute(run, prepared, opts, io);
  } finally {
    prepared.parts.cache?.close();
  }
}

async function resumeSearch(dir: string, opts: SearchOpts, io: Io): Promise<void> {
  const stored = readRun(dir);
  await withPlugins(stored.config, join(dir, "config.json"));
  const effective = resumeConfig(stored.config, opts, dir);
  const prepared = prepare(stored.config, effective, opts.cache);
  try {
    await probeSearch(effective, prepared.parts, opts, io);
    let run: SearchRun;
    try {
      run = SearchRun.resume(dir, stored);
    } catch (err) {
      if (!(err instanceof UserError)) io.stderr(`the run folder ${dir} was not changed; after fixing the cause, continue it with:\n  ${resumeCommandFor(dir)}\n`);
      throw err;
    }
    const j = run.journal!;
    io.stderr(
      `resuming ${run.wasFinished ? "a finished run" : "an interrupted run"} in ${dir}: its journal holds ${j.events.length} events (${run.journalEvaluations} of ${run.config.evals} evaluations)` +
        (j.torn ? `; its last line (line ${j.torn.line}, ${j.torn.bytes} bytes) was cut short when the process stopped and is dropped` : "") +
        "\n",
    );
    await execute(run, prepared, opts, io);
  } finally {
    prepared.parts.cache?.close();
  }
}

/** Warnings about the run's setup: a simulated task whose answers exceed the calls' token cap. */
function setupWarnings(parts: ResolvedParts, config: SearchConfig): string[] {
  if (!isSimTask(parts.task)) return [];
  const models = parts.pool.pool.models.filter((m) => m.endpoint.kind === "sim").map(simModelId);
  return outputCapWarnings(parts.task.world, config.sampling?.maxTokens ?? DEFAULT_SAMPLING.maxTokens, models);
}

/** Run the search into the run folder, resumable at every instant; then report on it. */
async function execute(run: SearchRun, p: Prepared, opts: SearchOpts, io: Io): Promise<void> {
  const { dir: out, config } = run;
  const progress = new ProgressLine(io, { total: config.evals, stats: run.stats, cache: p.parts.cache?.lookups });
  // Signals stay trapped until the end: once the search is over the results are written whole
  // (every write is synchronous), and a signal then ends the process with a message, not silently.
  const untrap = trapStopSignals((signal, code) => {
    progress.clearLive();
    if (run.finished) {
      io.stderr(`\nstopped by ${signal} after the search finished; its result is saved in ${join(out, "result.json")} (write the report with: tts-graph report ${out})\n`);
      if (opts.json) io.stdout(JSON.stringify({ error: { code: "interrupted", message: `stopped by ${signal} after the search finished`, signal, out } }) + "\n");
      p.parts.cache?.close();
      process.exit(code);
    }
    run.stop(signal);
    const done = run.progress()?.evals ?? 0;
    const how = resumeCommandFor(out);
    io.stderr(`\nstopped by ${signal} after ${done} of ${config.evals} evaluations; the run folder ${out} is saved. Continue it with:\n  ${how}\n`);
    if (opts.json) io.stdout(JSON.stringify({ error: { code: "interrupted", message: `stopped by ${signal}`, signal, out, evals: done, resume: how } }) + "\n");
    p.parts.cache?.close();
    process.exit(code);
  });
  const queued = await queueEvaluatorFor(opts, runSpecOf(config));
  try {
    await searchAndReport(run, p, opts, io, progress, queued);
    // Writing the report may never yield to the event loop: a signal that came meanwhile is answered
    // now, rather than dropped with the handlers.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    untrap();
    await queued?.close();
  }
}

/** Run the search, then write its report and summary. */
async function searchAndReport(run: SearchRun, p: Prepared, opts: SearchOpts, io: Io, progress: ProgressLine, queued: QueueEvaluator | undefined): Promise<void> {
  const { dir: out, config } = run;
  const warnings = setupWarnings(p.parts, config);
  for (const w of warnings) io.stderr(`warning: ${w}\n`);
  let result: SearchResult;
  try {
    result = await run.execute(queued ? { ...p.setup, evaluator: queued.evaluator } : p.setup, { onEvent: (e, state) => progress.update(e, state), warnings });
  } catch (err) {
    progress.clearLive();
    if (run.resultsUnwritten) io.stderr(`the search finished but its results could not be written; its folder ${out} keeps the whole journal, and after fixing the cause the results are written with:\n  ${resumeCommandFor(out)}\n`);
    else if (run.journalUnopened) io.stderr(`the run folder ${out} was not changed; after fixing the cause, continue it with:\n  ${resumeCommandFor(out)}\n`);
    else if (!run.discarded) io.stderr(`the run stopped with an error; its folder ${out} is saved, and after fixing the cause it continues with:\n  ${resumeCommandFor(out)}\n`);
    throw err;
  }
  progress.clearLive();
  const resumed = run.resumeSummary(result);
  if (resumed) {
    io.stderr(`resumed: replayed ${resumed.replayedEvaluations} evaluations and ${resumed.replayedAgentCalls} agent calls from the journal, ran ${resumed.newEvaluations} new evaluations\n`);
    if (resumed.divergedAt !== null) io.stderr(`warning: the re-run differed from the journal from event ${resumed.divergedAt} on (was the config, the data or tts-graph changed?); the journal now holds this run's events\n`);
  }
  // A report that cannot be written must not cost the user the search it describes.
  let reportFiles: { html: string; markdown: string } | undefined;
  try {
    reportFiles = await writeReport(out, { models: p.parts.pool.pool.models });
  } catch (err) {
    io.stderr(`warning: the report could not be written (${(err as Error).message}); the run is complete, try again with: tts-graph report ${out}\n`);
  }
  const truth = p.parts.task.truth?.(result.best.graph);
  emit(io, opts.json, { out, result, truth: truth ? { accuracy: truth.accuracy, stderr: truth.stderr } : null, report: reportFiles ?? null, ...(resumed ? { resumed } : {}) }, () => summary(result, out, truth, reportFiles, config.agent));
}
