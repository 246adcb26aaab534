/**
 * The report's charts: pure functions from report data to Vega-Lite specs, and one renderer that
 * compiles a spec with vega-lite and draws it to an SVG string with vega's headless view. Data is
 * always inline, so rendering never reads a file or the network.
 */
import { compile, type TopLevelSpec } from "vega-lite";
import { parse, View } from "vega";
import type { GraphStats, ReportModel } from "./extract.js";

const PHASES = ["probe", "pretest", "search", "selection"] as const;
const PHASE_COLORS = ["#9e9ac8", "#74c476", "#6baed6", "#fd8d3c"];
const BEST_COLOR = "#08306b";
const LEADER_COLOR = "#969696";
const WIDTH = 560;
const HEIGHT = 300;
/** Two trade-off charts sit side by side on a wide page. */
const PAIR_WIDTH = 420;

/** Best-so-far and per-batch accuracy against the search cost spent, in graph-item evaluations. */
export function curveSpec(model: ReportModel): TopLevelSpec {
  const accuracyOnly = model.run.objectiveKind === "accuracy" || model.curve.source === "log";
  const series = [...PHASES.map((p) => `sampled (${p})`), model.curve.topLabel, model.curve.label];
  const points = model.sampled.map((s) => ({ evals: s.evals, accuracy: s.accuracy, items: s.items, series: `sampled (${s.phase})` }));
  const leader = model.curve.points.filter((p) => Number.isFinite(p.best)).map((p) => ({ evals: p.evals, accuracy: p.best, series: model.curve.label }));
  const top = model.curve.points.filter((p) => Number.isFinite(p.top)).map((p) => ({ evals: p.evals, accuracy: p.top, series: model.curve.topLabel }));
  const color = { field: "series", type: "nominal" as const, title: null, scale: { domain: series, range: [...PHASE_COLORS, BEST_COLOR, LEADER_COLOR] }, legend: { orient: "bottom" as const, columns: 2, labelLimit: 420 } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: WIDTH,
    height: HEIGHT,
    background: "white",
    layer: [
      {
        data: { values: points },
        mark: { type: "circle", opacity: 0.55 },
        encoding: {
          x: { field: "evals", type: "quantitative", title: "search cost (graph-item evaluations)" },
          // A utility can leave [0, 1] (a latency limit's penalty), so only plain accuracy gets a fixed scale.
          y: { field: "accuracy", type: "quantitative", title: accuracyOnly ? "accuracy" : "accuracy (dots), utility (line)", scale: accuracyOnly ? { domain: [0, 1] } : {}, axis: { format: "%" } },
          size: { field: "items", type: "quantitative", title: "batch items", legend: null, scale: { range: [12, 90] } },
          color,
        },
      },
      {
        data: { values: leader },
        mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5, strokeDash: [4, 3] },
        encoding: { x: { field: "evals", type: "quantitative" }, y: { field: "accuracy", type: "quantitative" }, color },
      },
      {
        data: { values: top },
        mark: { type: "line", interpolate: "step-after", strokeWidth: 2.5, point: { filled: true, size: 30 } },
        encoding: { x: { field: "evals", type: "quantitative" }, y: { field: "accuracy", type: "quantitative" }, color },
      },
    ],
  };
}

type Axis = "flops" | "latency";

function graphKind(g: GraphStats): string {
  if (g.singleModel === undefined) return "mixed models";
  return g.nodes === 1 ? "single call" : "one-model ensemble";
}

/** Accuracy against mean FLOPs or latency per query, with that chart's Pareto front drawn. */
export function tradeoffSpec(model: ReportModel, axis: Axis): TopLevelSpec {
  const cost = (g: GraphStats) => (axis === "flops" ? g.all.meanFlops : g.all.meanLatencyMs);
  const front = new Set(model.fronts[axis]);
  const bestHash = model.best?.hash;
  const categories = ["evaluated", "Pareto front", "chosen graph"];
  const rows = model.graphs
    .filter((g) => !g.failed && Number.isFinite(g.all.accuracy) && Number.isFinite(cost(g)) && cost(g) > 0)
    .map((g) => ({
      hash: g.hash,
      cost: cost(g),
      accuracy: g.all.accuracy,
      items: g.all.graded,
      category: g.hash === bestHash ? "chosen graph" : front.has(g.hash) ? "Pareto front" : "evaluated",
      kind: graphKind(g),
    }))
    // Draw the highlighted points last so they sit on top.
    .sort((a, b) => categories.indexOf(a.category) - categories.indexOf(b.category));
  const frontLine = model.fronts[axis].map((h) => rows.find((r) => r.hash === h)).filter((r): r is (typeof rows)[number] => r !== undefined);
  const x = {
    field: "cost",
    type: "quantitative" as const,
    title: axis === "flops" ? "mean FLOPs per query (measured, log scale)" : "mean latency per query, ms (critical path)",
    scale: axis === "flops" ? { type: "log" as const } : { zero: false },
    axis: axis === "flops" ? { format: ".1e" } : {},
  };
  const y = { field: "accuracy", type: "quantitative" as const, title: "accuracy (all graded items)", scale: { domain: [0, 1] }, axis: { format: "%" } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: PAIR_WIDTH,
    height: HEIGHT,
    background: "white",
    layer: [
      {
        data: { values: frontLine },
        mark: { type: "line", interpolate: "step-after", color: "#e6550d", strokeWidth: 1.5, strokeDash: [4, 3] },
        encoding: { x, y },
      },
      {
        data: { values: rows },
        mark: { type: "point", filled: true },
        encoding: {
          x,
          y,
          color: { field: "category", type: "nominal", title: null, scale: { domain: categories, range: ["#9ecae1", "#e6550d", "#08306b"] }, legend: { orient: "bottom", direction: "vertical" } },
          shape: { field: "kind", type: "nominal", title: null, scale: { domain: ["single call", "one-model ensemble", "mixed models"], range: ["square", "triangle-up", "circle"] }, legend: { orient: "bottom", direction: "vertical" } },
          size: { field: "items", type: "quantitative", title: "graded items", scale: { range: [20, 220] }, legend: null },
          opacity: { condition: { test: "datum.category !== 'evaluated'", value: 1 }, value: 0.6 },
        },
      },
    ],
  };
}

/** Compile a Vega-Lite spec and render it to an SVG string, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { spec: vgSpec } = compile(spec);
  const view = new View(parse(vgSpec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
