import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { curveSpec, renderSvg, tradeoffSpec } from "../../src/report/charts.js";
import { extractReport, type ReportModel } from "../../src/report/extract.js";
import { readRunDir } from "../../src/report/run-dir.js";
import { tempDir } from "../helpers/tmp.js";
import { searchRun } from "./runs.js";

/** Paths drawn inside each symbol mark group of a vega SVG, in document order. */
function symbolCounts(svg: string): number[] {
  const out: number[] = [];
  const re = /<g class="mark-symbol role-mark[^"]*"[^>]*>(.*?)<\/g>/gs;
  for (let m = re.exec(svg); m; m = re.exec(svg)) out.push((m[1]!.match(/<path/g) ?? []).length);
  return out;
}

describe("report charts", () => {
  let model: ReportModel;
  beforeAll(async () => {
    const run = await searchRun(join(tempDir("tts-graph-report-"), "run"), ["--evals", "500"]);
    model = extractReport(readRunDir(run));
  });

  it("the search curve draws one symbol per sampled evaluation and per curve point", async () => {
    const svg = await renderSvg(curveSpec(model));
    expect(svg.startsWith("<svg")).toBe(true);
    const finiteCurve = model.curve.points.filter((p) => Number.isFinite(p.best)).length;
    expect(symbolCounts(svg)).toEqual([model.sampled.length, finiteCurve]);
    expect(svg).toContain("search cost (graph-item evaluations)");
  });

  it.each(["flops", "latency"] as const)("accuracy against %s draws every evaluated graph and the front's line", async (axis) => {
    const spec = tradeoffSpec(model, axis);
    const svg = await renderSvg(spec);
    const plotted = model.graphs.filter((g) => !g.failed && Number.isFinite(g.all.accuracy) && (axis === "flops" ? g.all.meanFlops : g.all.meanLatencyMs) > 0).length;
    expect(plotted).toBeGreaterThan(0);
    expect(symbolCounts(svg)[0]).toBe(plotted);
    expect(svg).toMatch(/<g class="mark-line role-mark[^"]*"[^>]*><path[^>]*d="M[^"]+"/);
    for (const label of ["Pareto front", "chosen graph", axis === "flops" ? "mean FLOPs per query" : "mean latency per query"]) expect(svg).toContain(label);
  });

  it("rendering is deterministic and never fetches anything", async () => {
    const spec = tradeoffSpec(model, "flops");
    expect(JSON.stringify(spec)).not.toMatch(/"url"/);
    expect(await renderSvg(spec)).toBe(await renderSvg(spec));
  });
});
