/** `tts-graph eval GRAPH --task T`: accuracy, cost and latency of a graph on a task split. */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../../errors.js";
import { evaluate, type EvalProgress } from "../../exec/evaluate.js";
import type { EvalResult } from "../../exec/types.js";
import { absoluteSpec, resolveTask } from "../../resolve.js";
import { checkStyle } from "../../tasks/file.js";
import { checkOverlap, itemsOfSplit, searchIds, type SplitOrAll } from "../../tasks/heldout.js";
import type { Task } from "../../tasks/types.js";
import { readRun, RUN_FILES } from "../../runs/dir.js";
import type { SearchConfig } from "../../search/config.js";
import { cliContext, graphModels, graphSampling, loadGraphForPool, openCache, poolForRun, probeEndpoints, type ExecOpts } from "../exec-setup.js";
import { ExitError } from "../exit.js";
import { emit, type Io } from "../output.js";

export interface EvalOpts extends ExecOpts {
  /** Required unless the graph comes from a search run (then the run's task). */
  task?: string;
  style?: string;
  split: SplitOrAll;
  limit?: number;
  traces?: string;
  /** Score items the run searched on (refused otherwise). */
  allowOverlap?: boolean;
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

/** The graph to evaluate, and the search run it came from when it is a run's (a run folder, or a graph file inside one). */
interface EvalSource {
  graphFile: string;
  run?: { dir: string; config: SearchConfig; journalIds: Set<string> } | undefined;
}

function evalSource(arg: string): EvalSource {
  const isDir = existsSync(arg) && statSync(arg).isDirectory();
  const dir = isDir ? arg : dirname(arg);
  const isRun = existsSync(join(dir, RUN_FILES.config)) && existsSync(join(dir, RUN_FILES.events));
  if (isDir && !isRun) throw new UserError(`${arg} is a folder but not a search run (no ${RUN_FILES.config} and ${RUN_FILES.events}): give a graph file or a run folder`, { code: "not_a_run", source: arg });
  const graphFile = isDir ? join(dir, RUN_FILES.best) : arg;
  if (isDir && !existsSync(graphFile)) throw new UserError(`run ${arg} has no ${RUN_FILES.best} yet (the search has not finished): resume it, or give a graph file`, { code: "no_best_graph", source: arg });
  if (!isRun) return { graphFile };
  const run = readRun(dir);
  const journalIds = new Set<string>();
  for (const e of run.journal.events) {
    if (e.type === "iteration.started") for (const id of e.items) journalIds.add(id);
    else if (e.type === "eval.batch") for (const o of e.items) journalIds.add(o.itemId);
  }
  return { graphFile, run: { dir, config: run.config, journalIds } };
}

/** The task to score on, with the splits of the run the graph came from when it is the run's task. */
function evalTask(opts: EvalOpts, source: EvalSource): { task: Task; spec: string; sameTask: boolean } {
  const run = source.run?.config;
  const spec = opts.task ?? run?.task;
  if (spec === undefined) throw new UserError("--task is required for a graph file that is not in a search run folder", { code: "task_required", source: "--task" });
  const sameTask = run !== undefined && absoluteSpec(spec) === absoluteSpec(run.task);
  // The splits do not move with --seed (which seeds sampling): a graph is scored on the items its search held out.
  const splits = { ...(sameTask ? run.splits : undefined), seed: (sameTask ? run.splits?.seed : undefined) ?? 0 };
  const task = resolveTask(spec, { dataDir: opts.data ?? run?.data, seed: opts.seed, splits, ...(opts.style !== undefined ? { style: checkStyle(opts.style) } : {}) });
  return { task, spec, sameTask };
}

interface EvalScope {
  file: string;
  task: string;
  split: SplitOrAll;
  /** The run whose held-out items these are, if any. */
  run: string | null;
  /** Items scored although the run searched on them (with --allow-overlap). */
  overlap: number;
}

function summaryText(scope: EvalScope, r: EvalResult, cachePath: string | null): string {
  const a = r.accuracy;
  const wrong = a.n - r.correct;
  const whence = scope.run === null ? "" : scope.overlap > 0 ? ` (${scope.overlap} of them searched on by run ${scope.run})` : ` (held out by run ${scope.run})`;
  const lines = [
    `graph ${scope.file} (${r.graphHash}) on ${scope.task}, ${scope.split === "all" ? "every item" : `${scope.split} split`}${whence}: ${r.items} items`,
    `accuracy: ${pct(a.rate)} (${r.correct}/${a.n}), ${Math.round(a.confidence * 100)}% CI [${pct(a.low)}, ${pct(a.high)}]`,
    `errored: ${r.errored} item${r.errored === 1 ? "" : "s"}${r.errored > 0 ? " (not counted as wrong)" : ""}`,
    `no answer: ${r.unreadable} of the ${wrong} wrong item${wrong === 1 ? "" : "s"} had no readable answer`,
    `mean cost: ${Number.isFinite(r.meanFlops) ? r.meanFlops.toExponential(3) : "n/a"} FLOPs = ${Number.isFinite(r.meanUnits) ? r.meanUnits.toFixed(3) : "n/a"} budget units${r.meanDollars !== undefined ? `, $${r.meanDollars.toFixed(6)}` : ""}`,
    `latency: mean ${ms(r.meanLatencyMs)}, p95 ${ms(r.p95LatencyMs)} (critical path)`,
    `calls: ${r.calls} (${r.estimatedCalls} with estimated token counts), ${r.retries} retr${r.retries === 1 ? "y" : "ies"}`,
    cachePath ? `cache: ${r.cache.hits} hits, ${r.cache.misses} misses (${cachePath})` : "cache: off",
  ];
  const errors = r.traces.filter((t) => t.errored).slice(0, 3);
  for (const t of errors) lines.push(`  item ${t.itemId}: ${t.error?.message ?? "error"}`);
  return lines.join("\n");
}

export async function evalCommand(arg: string, opts: EvalOpts, io: Io): Promise<void> {
  const source = evalSource(arg);
  const { task, spec, sameTask } = evalTask(opts, source);
  const loaded = await poolForRun(spec, opts.pool ?? source.run?.config.pool);
  const graph = loadGraphForPool(source.graphFile, loaded);
  let items = itemsOfSplit(task, opts.split);
  if (opts.limit !== undefined) items = items.slice(0, opts.limit);
  if (items.length === 0) throw new UserError(`task ${spec} has no items in its ${opts.split} split`, { code: "no_items", source: "--split" });
  const run = source.run && sameTask ? source.run : undefined;
  const overlap = run
    ? checkOverlap(items, { searched: new Set([...searchIds(task), ...run.journalIds]), run: run.dir, split: opts.split, allow: opts.allowOverlap === true }).length
    : 0;
  if (overlap > 0) io.stderr(`warning: ${overlap} of the ${items.length} items were used by the search in ${run!.dir}: their score is not a held-out estimate\n`);
  const scope: EvalScope = { file: source.graphFile, task: task.id, split: opts.split, run: run?.dir ?? null, overlap };
  await probeEndpoints(graphModels([graph], loaded), opts, (line) => io.stderr(line + "\n"));
  const cache = openCache(loaded, opts.cache);
  let result: EvalResult;
  try {
    const ctx = cliContext(task, loaded, opts, cache, graphSampling([{ file: source.graphFile, graph }], opts, (line) => io.stderr(line + "\n")));
    result = await evaluate(graph, items, ctx, { onProgress: progressPrinter(io, items.length), keepPrompts: opts.traces !== undefined });
  } finally {
    cache?.close();
  }
  if (opts.traces !== undefined) writeFileSync(opts.traces, result.traces.map((t) => JSON.stringify(t)).join("\n") + "\n");
  const { traces, ...summary } = result;
  const value = {
    graph: source.graphFile,
    task: task.id,
    split: opts.split,
    run: scope.run,
    overlap,
    pool: loaded.source,
    seed: opts.seed ?? 0,
    ...summary,
    cache: { ...summary.cache, path: cache?.path ?? null },
    itemResults: traces.map((t) => ({ id: t.itemId, correct: t.correct, errored: t.errored, unreadable: t.unreadable, answer: t.answer, flops: t.flops, latencyMs: t.latencyMs, ...(t.error ? { error: t.error } : {}) })),
  };
  emit(io, opts.json, value, () => summaryText(scope, result, cache?.path ?? null));
  if (result.errored === result.items) throw new ExitError(1);
}
