/**
 * The HTML comparison of search methods (`tts-graph compare --report FILE`): each method's
 * best-so-far curve over its seeds as a band (min to max) around the mean, and a table of the
 * methods' chosen graphs by ground truth beside fixed baselines (the best single model that fits,
 * self-consistency) and the best graph any run chose. Self-contained, like the run report.
 */
import type { Graph } from "../graph/schema.js";
import type { CompareResult } from "../search/compare.js";
import type { RecordedEvent } from "../search/events.js";
import { layeredGraph } from "../sim/graphs.js";
import { VERSION } from "../version.js";
import { bands, type Series } from "./bands.js";
import { renderSvg } from "./charts.js";
import { escapeXml as esc } from "./escape.js";
import { composition, fixed, pct } from "./format.js";
import { CSP, CSS, htmlPage, table } from "./html.js";
import type { Table } from "./tables.js";
import type { TopLevelSpec } from "vega-lite";
import { UserError } from "../errors.js";
import type { SearchConfig } from "../search/config.js";
import { buildSpace, type ResolvedParts } from "../search/setup.js";
import { writeFileAtomic } from "../util/files.js";

/** What the report needs of `runCompare`'s result. */
export type CompareSummary = Pick<CompareResult, "task" | "pool" | "budget" | "evals" | "seeds" | "scoredBy" | "rows" | "best">;

export interface Baseline {
  kind: string;
  graph: Graph;
  accuracy: number;
  stderr: number;
  units: number;
}

/** Each run's best-so-far curve, collected from its events (the leader's value after each iteration, running max). */
export class CurveRecorder {
  readonly series: Series[] = [];
  sinkFor(optimizer: string, seed: number): { onEvent(e: RecordedEvent): void } {
    const s: Series & { points: { x: number; y: number }[] } = { group: optimizer, run: `${optimizer} seed ${seed}`, points: [] };
    this.series.push(s);
    let top = -Infinity;
    return {
      onEvent(e) {
        if (e.type !== "iteration.finished" || !e.best || !Number.isFinite(e.best.value)) return;
        top = Math.max(top, e.best.value);
        s.points.push({ x: e.evals, y: top });
      },
    };
  }
}

/**
 * The fixed baselines, scored by ground truth: the most accurate single model that fits the budget
 * alone, and the most accurate self-consistency layout G(w, 1) (w samples of one model fused by it)
 * that fits, over every model and w (an oracle choice, which favours the baseline).
 */
export function fixedBaselines(models: readonly string[], fits: (g: Graph) => boolean, units: (g: Graph) => number, truth: (g: Graph) => { accuracy: number; stderr: number }): Baseline[] {
  const bestOf = (kind: string, graphs: Graph[]): Baseline | undefined =>
    graphs.map((g) => ({ kind, graph: g, units: units(g), ...truth(g) })).reduce<Baseline | undefined>((a, b) => (!a || b.accuracy > a.accuracy ? b : a), undefined);
  const singles = models.map((m) => layeredGraph(m, 1, 1)).filter(fits);
  const sc: Graph[] = [];
  for (const m of models) for (let w = 2; w <= 32 && fits(layeredGraph(m, w, 1)); w++) sc.push(layeredGraph(m, w, 1));
  return [bestOf("best single model that fits", singles), bestOf("self-consistency (best model and width that fit)", sc)].filter((b): b is Baseline => b !== undefined);
}

function curvesSpec(series: readonly Series[]): TopLevelSpec {
  const band = bands(series);
  const runs = series.flatMap((s) => s.points.map((p) => ({ run: s.run, method: s.group, evals: p.x, value: p.y })));
  const x = { field: "x", type: "quantitative" as const, title: "search cost (graph-item evaluations)" };
  const color = { field: "group", type: "nominal" as const, title: "method", legend: { orient: "bottom" as const } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 620,
    height: 300,
    background: "white",
    layer: [
      { data: { values: band }, mark: { type: "area", opacity: 0.2, interpolate: "step-after" }, encoding: { x, y: { field: "low", type: "quantitative", title: "best so far (the run's own estimate)", axis: { format: "%" } }, y2: { field: "high" }, color } },
      { data: { values: band }, mark: { type: "line", strokeWidth: 2.5, interpolate: "step-after" }, encoding: { x, y: { field: "mean", type: "quantitative" }, color } },
      {
        data: { values: runs },
        mark: { type: "line", strokeWidth: 0.8, strokeDash: [3, 2], interpolate: "step-after" },
        encoding: { x: { field: "evals", type: "quantitative" }, y: { field: "value", type: "quantitative" }, detail: { field: "run" }, color: { field: "method", type: "nominal", title: "method", legend: { orient: "bottom" } } },
      },
    ],
  };
}

function compareTable(r: CompareSummary, baselines: readonly Baseline[]): Table {
  const pm = (x: number) => `${(100 * x).toFixed(1)} pts`;
  return {
    headers: ["method or baseline", "accuracy (mean over seeds)", "std", "min - max", "validated estimate", "evals", "units", "graph"],
    numeric: [1, 2, 3, 4, 5, 6],
    rows: [
      ...r.rows.map((x) => [x.optimizer, pct(x.mean), pm(x.std), `${pct(x.min)} - ${pct(x.max)}`, pct(x.meanValidation), fixed(x.meanEvals, 0), fixed(x.meanUnits, 1), `${x.runs} runs`]),
      ...baselines.map((b) => [b.kind, `${pct(b.accuracy)} ± ${pm(b.stderr)}`, "-", "-", "-", "-", fixed(b.units, 1), composition(b.graph.nodes.map((n) => n.model))]),
      [`best graph any run chose (${r.best.optimizer}, seed ${r.best.seed})`, `${pct(r.best.accuracy)} ± ${pm(r.best.stderr)}`, "-", "-", "-", "-", fixed(r.best.units, 1), `${r.best.hash}: ${composition(r.best.graph.nodes.map((n) => n.model))}`],
    ],
  };
}

export async function buildCompareHtml(r: CompareSummary, series: readonly Series[], baselines: readonly Baseline[]): Promise<string> {
  const scored = r.scoredBy === "simulator" ? "simulator ground truth" : "held-out test accuracy";
  const chart = await renderSvg(curvesSpec(series));
  const title = `tts-graph comparison: ${r.task}, ${r.pool}`;
  return htmlPage({
    title,
    csp: CSP,
    css: CSS,
    body: `<main>
<header><h1>Comparison of search methods</h1><p class="sub">${esc(`${r.task} with ${r.pool}; budget ${r.budget.limit} ${r.budget.unit} per query; ${r.evals} graph-item evaluations per run; ${r.seeds} seed${r.seeds === 1 ? "" : "s"} per method; accuracy by ${scored}`)}</p></header>
<section id="curves"><h2>Best so far against search cost</h2><figure class="chart" data-chart="compare">${chart}<figcaption>${esc("Each method's best-so-far curve (the highest leader estimate its own ranking gave so far; it never falls): the band spans the seeds' minimum to maximum, the thick line is their mean, dashed lines are single runs.")}</figcaption></figure></section>
<section id="table"><h2>Chosen graphs and baselines</h2>${table(compareTable(r, baselines))}<p class="sub">${esc(
    baselines.length > 0
      ? "Baselines are fixed layouts scored by the same ground truth: the single model that fits the budget alone, and self-consistency (w samples of one model fused by it) with the model and w chosen by ground truth among all that fit, an oracle choice that favours the baseline. The last row is the best graph any run chose."
      : "No fixed baselines: the task has no ground truth to score them by. The last row is the best graph any run chose.",
  )}</p></section>
<footer>${esc(`Generated by tts-graph ${VERSION}. Self-contained: no scripts, fonts or other files are loaded.`)}</footer>
</main>`,
  });
}

/** Write the comparison to `file`; on tasks with ground truth the fixed baselines are scored too. Returns the path. */
export async function writeCompareReport(file: string, result: CompareSummary, curves: CurveRecorder, base: SearchConfig, parts: ResolvedParts, truthItems?: number): Promise<string> {
  const truth = parts.task.truth?.bind(parts.task);
  let baselines: Baseline[] = [];
  if (truth) {
    const space = buildSpace(base, parts.task, parts.pool);
    const models = [...parts.pool.pool.models].sort((a, b) => a.params - b.params).map((m) => m.id);
    baselines = fixedBaselines(models, (g) => space.check(g).ok, (g) => space.plan(g).units, (g) => truth(g, truthItems !== undefined ? { items: truthItems } : undefined));
  }
  const html = await buildCompareHtml(result, curves.series, baselines);
  try {
    writeFileAtomic(file, html);
  } catch (err) {
    throw new UserError(`cannot write the comparison report ${file}: ${(err as Error).message}`, { source: "--report", code: "report_unwritable", cause: err });
  }
  return file;
}
