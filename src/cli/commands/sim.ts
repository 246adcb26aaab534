/** `tts-graph sim truth|oracle|insights`: ground truth of a graph in a simulated world, the best-known graph of a cell, and the paper's insights there. */
import { UserError } from "../../errors.js";
import { graphHash, loadGraphFile, toMermaid } from "../../graph/index.js";
import type { FlopsSpec } from "../../cost/flops.js";
import { resolvePool, resolveTask } from "../../resolve.js";
import { buildSpace } from "../../search/setup.js";
import { oracle } from "../../search/oracle.js";
import { parseSearchConfig } from "../../search/config.js";
import { BUILTIN_SIM_PROFILES, DEFAULT_MAX_TOKENS, generateWorld, isSimTask, outputCapWarnings, poolSimMaps, summariseInsights, taskInsights, type SimTask, type TaskInsights } from "../../sim/index.js";
import { emit, table, type Io } from "../output.js";

export interface TruthOpts {
  task: string;
  pool?: string;
  items: number;
  seed?: number;
  json?: boolean;
}

export interface OracleOpts {
  task: string;
  pool?: string;
  budget: number;
  budgetUnit?: "units" | "flops" | "usd" | "ms";
  outputModel?: string;
  /** commander: `--no-fuser` gives false. */
  fuser?: boolean;
  seed?: number;
  evals?: number;
  items?: number;
  json?: boolean;
}

export interface InsightsOpts {
  task?: string;
  items: number;
  seed?: number;
  json?: boolean;
}

function simTaskFor(spec: string, seed: number | undefined): SimTask {
  if (!spec.startsWith("sim:")) {
    throw new UserError(`"${spec}" is not a simulated task: expected sim:math, sim:mmlu, sim:humaneval or sim:PROFILE.json`, { code: "not_simulated", source: "--task" });
  }
  const task = resolveTask(spec, { seed });
  if (!isSimTask(task)) throw new UserError(`"${spec}" did not resolve to a simulated task`, { code: "not_simulated", source: "--task" });
  return task;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function truthCommand(file: string, opts: TruthOpts, io: Io): void {
  const task = simTaskFor(opts.task, opts.seed);
  let graph;
  let modelMap: Map<string, string> | undefined;
  let specs: Map<string, FlopsSpec> | undefined;
  let pool = `the models of ${opts.task}`;
  if (opts.pool !== undefined) {
    const loaded = resolvePool(opts.pool);
    pool = loaded.source;
    graph = loadGraphFile(file, { models: loaded.pool.models.map((m) => m.id) });
    ({ modelMap, specs } = poolSimMaps(loaded));
  } else {
    graph = loadGraphFile(file, { models: task.world.models.map((m) => m.id) });
  }
  const t = task.truth(graph, { items: opts.items, modelMap, specs });
  if (t.truncatedCalls > 0) {
    io.stderr(`warning: ${t.truncatedCalls} of ${t.calls} calls wrote more than ${t.maxTokens} tokens and were cut there, losing their answer (as in the search, whose calls stop at ${t.maxTokens} tokens)\n`);
  }
  const value = { graph: file, hash: graphHash(graph), task: task.id, pool, seed: opts.seed ?? 0, ...t };
  emit(io, opts.json, value, () =>
    [
      `graph ${file} (${value.hash}) on ${task.id} with ${pool}, world seed ${value.seed}`,
      "",
      keyValues([
        ["items", `${t.items} (fresh population items, never a split's)`],
        ["accuracy", `${pct(t.accuracy)} ± ${(100 * t.stderr).toFixed(2)} points (standard error); 95% CI [${pct(t.low)}, ${pct(t.high)}]`],
        ["mean cost", `${t.meanFlops.toExponential(3)} FLOPs = ${t.meanUnits.toFixed(3)} budget units`],
        ["mean latency", `${t.meanLatencyMs.toFixed(0)} ms (critical path, simulated)`],
        ["node calls", `${t.calls} simulated`],
      ]),
    ].join("\n"),
  );
}

/**
 * The best-known graph of a cell by ground truth, among the graphs `search` can return with the same
 * task, pool, budget and space options.
 */
export function oracleCommand(opts: OracleOpts, io: Io): void {
  simTaskFor(opts.task, undefined);
  const spaceOptions: Record<string, unknown> = {};
  if (opts.outputModel !== undefined) spaceOptions.outputModel = opts.outputModel;
  if (opts.fuser === false) spaceOptions.fuser = false;
  const config = parseSearchConfig({ task: opts.task, pool: opts.pool, budget: opts.budget, budgetUnit: opts.budgetUnit, space: spaceOptions }, "command line");
  const task = simTaskFor(config.task, undefined);
  const loaded = resolvePool(config.pool);
  const space = buildSpace(config, task, loaded);
  const maps = poolSimMaps(loaded);
  for (const w of outputCapWarnings(task.world, DEFAULT_MAX_TOKENS, [...new Set(maps.modelMap.values())])) io.stderr(`warning: ${w}\n`);
  const o = oracle(task.world, space, { seed: opts.seed, evals: opts.evals, items: opts.items, ...maps, unitFlops: task.tokens.unitFlops });
  const t = o.truth;
  const value = { task: task.id, pool: loaded.source, budget: space.budget, ...o };
  emit(io, opts.json, value, () =>
    [
      `best-known graph of ${task.id} with ${loaded.source}, budget ${space.budget.limit} ${space.budget.unit} (${o.hash}; ${o.nodes} nodes, depth ${o.depth}, width ${o.width}; found by ${o.family}):`,
      "",
      toMermaid(o.graph),
      "",
      keyValues([
        ["accuracy", `${pct(t.accuracy)} ± ${(100 * t.stderr).toFixed(2)} points (standard error) on ${t.items} population items (as sim truth)`],
        ["cost", `${t.meanFlops.toExponential(3)} FLOPs = ${t.meanUnits.toFixed(2)} budget units measured; ${o.planUnits.toFixed(2)} a priori (the search's budget check)`],
        ["latency", `${t.meanLatencyMs.toFixed(0)} ms mean (critical path, simulated)`],
        ["graphs scored", `${o.scored.total} (${o.scored.enumerated} enumerated, ${o.scored.evolved} by evolution) on ${o.settings.screenItems} items; best ${o.scored.rescored} on ${o.settings.rescoreItems}; ${o.scored.finalists} finalists on ${t.items}`],
        ["runner-up", o.finalists[1] ? `${pct(o.finalists[1].accuracy)} (${o.finalists[1].family}, ${o.finalists[1].nodes} nodes, depth ${o.finalists[1].depth})` : "none"],
      ]),
      "",
      JSON.stringify(o.graph),
    ].join("\n"),
  );
}

/** A generated world's profile, as JSON on stdout. */
export function worldCommand(opts: { seed: number; style?: "math" | "choice" | "code" }, io: Io): void {
  io.stdout(JSON.stringify(generateWorld(opts.seed, opts.style), null, 2) + "\n");
}

/** A two-column table of labels and values, both left-aligned. */
function keyValues(rows: [string, string][]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return [`${"measure".padEnd(w)}  value`, `${"-".repeat(w)}  ${"-".repeat(5)}`, ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`)].join("\n");
}

function insightsText(t: TaskInsights): string {
  const f = (x: number) => (100 * x).toFixed(1);
  const lines = [`== ${t.task} (${t.items} items per point; a rise or fall counts from ${f(t.margin)} points)`, ""];
  if (t.combinations.length > 0) {
    lines.push("Insight 1, equal-budget model combinations (random graphs):");
    lines.push(table(["combination", "units", "accuracy %", "± se"], t.combinations.map((c) => [c.label, c.units, f(c.accuracy), f(c.stderr)])));
    lines.push(`best: ${t.bestCombination}`, "");
  }
  const curveTable = (name: string, curves: TaskInsights["width"]) => {
    const xs = curves[0]?.points.map((p) => String(p.x)) ?? [];
    return table([`${name} ->`, ...xs, "best", "interior"], curves.map((c) => [c.model, ...c.points.map((p) => f(p.accuracy)), c.best, c.interior ? "yes" : "no"]));
  };
  lines.push("Insight 2, accuracy % against width (w answers fused) and depth (a refinement chain of d calls):");
  lines.push(curveTable("width", t.width), "", curveTable("depth", t.depth), "");
  if (t.grid.length > 0) {
    lines.push("Insight 3, best depth of w-wide layers for each width w:");
    lines.push(table(["model", ...t.grid[0]!.widths.map((w) => `w=${w}`), "shrinks"], t.grid.map((g) => [g.model, ...g.bestDepth, g.shrinks ? "yes" : "no"])));
  }
  return lines.join("\n");
}

export function insightsCommand(opts: InsightsOpts, io: Io): void {
  const specs = opts.task ? opts.task.split(",").map((s) => s.trim()).filter(Boolean) : BUILTIN_SIM_PROFILES.map((n) => `sim:${n}`);
  const tasks = specs.map((s, i) => {
    // Each task takes seconds to tens of seconds: say which one is running.
    io.stderr(`insights: ${s} (${i + 1}/${specs.length}), ${opts.items} items per point...\n`);
    return taskInsights(simTaskFor(s, opts.seed).world, { items: opts.items });
  });
  const summary = summariseInsights(tasks);
  const yes = (b: boolean | null) => (b === null ? "needs two tasks" : b ? "holds" : "does NOT hold");
  emit(io, opts.json, { tasks, summary }, () =>
    [
      ...tasks.map(insightsText),
      "",
      `Insight 1 (the best combination differs by task): ${yes(summary.taskPreference.holds)}; best: ${Object.entries(summary.taskPreference.best)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
      `Insight 2 (interior optimum of width and of depth): ${yes(summary.interiorOptimum.holds)}${on(summary.interiorOptimum.tasks)}; width: ${fmtModels(summary.interiorOptimum.width)}; depth: ${fmtModels(summary.interiorOptimum.depth)}`,
      `Insight 3 (best depth shrinks as width grows): ${yes(summary.depthShrinksWithWidth.holds)}${on(summary.depthShrinksWithWidth.tasks)}; ${fmtModels(summary.depthShrinksWithWidth.models)}`,
    ].join("\n"),
  );
}

function on(tasks: string[]): string {
  return tasks.length > 0 ? ` on ${tasks.join(", ")}` : "";
}

function fmtModels(byTask: Record<string, string[]>): string {
  return Object.entries(byTask)
    .map(([t, ms]) => `${t}: ${ms.length ? ms.join(", ") : "none"}`)
    .join("; ");
}
