/** The report's figures agree with the CLI, its best-so-far never falls, and a long run stays short. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { curveSpec } from "../../src/report/charts.js";
import { breakEven, buildReport, extractReport, readRunDir, SOLID_ITEMS, type ReportModel } from "../../src/report/index.js";
import { ms, sci } from "../../src/report/format.js";
import { buildHtml } from "../../src/report/html.js";
import { KEPT_FEEDBACK, paretoTable } from "../../src/report/tables.js";
import { readRunStatus } from "../../src/runs/status.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { cutRun } from "./runs.js";

describe("report fixes", () => {
  let run: string;
  let cliOut: string;
  let model: ReportModel;
  beforeAll(async () => {
    run = join(tempDir("tts-graph-report-fixes-"), "run");
    const r = await runCli(["search", "--out", run, "--no-cache", "--evals", "500"]);
    expect(r.code, r.stderr).toBe(0);
    cliOut = r.stdout;
    model = extractReport(readRunDir(run));
  });

  it("draws a monotone best-so-far line beside the leader's estimate, each labelled", () => {
    const pts = model.curve.points;
    expect(pts.length).toBeGreaterThan(2);
    let max = -Infinity;
    for (const p of pts) {
      max = Math.max(max, p.best);
      expect(p.top).toBe(max);
    }
    const spec = JSON.stringify(curveSpec(model));
    expect(spec).toContain(model.curve.topLabel);
    expect(spec).toContain(model.curve.label);
    expect(model.curve.topLabel).toMatch(/^best so far/);
    expect(model.curve.label).toMatch(/^leader's/);
    // The same holds for a run cut short (curve from the log).
    const cut = join(tempDir("tts-graph-report-fixes-cut-"), "cut");
    cutRun(run, cut, 0.6);
    const partial = extractReport(readRunDir(cut)).curve.points;
    expect(partial.length).toBeGreaterThan(0);
    for (let i = 1; i < partial.length; i++) expect(partial[i]!.top).toBeGreaterThanOrEqual(partial[i - 1]!.top);
  });

  it("prints the same FLOPs and latency as the CLI summary", async () => {
    const { html } = await buildReport(run);
    const b = model.best!;
    const cliLatency = /latency per query: ([\d,]+ ms) mean on the (\d+) (validation|search) items/.exec(cliOut);
    const cliFlops = /, ([\d.e+]+) measured on the (\d+)/.exec(cliOut);
    expect(cliLatency?.[1]).toBe(ms(b.meanLatencyMs));
    expect(cliFlops?.[1]).toBe(sci(b.meanFlops));
    expect(Number(cliLatency?.[2])).toBe(b.graded);
    expect(html).toContain(`<div class="value">${ms(b.meanLatencyMs)}</div>`);
    expect(html).toContain(`<div class="value">${sci(b.meanFlops)}</div>`);
  });

  it("names the same leader, with the same accuracy, as tts-graph status for an unfinished run", () => {
    const cut = join(tempDir("tts-graph-report-fixes-lead-"), "cut");
    cutRun(run, cut, 0.5);
    const status = readRunStatus(cut);
    const leader = extractReport(readRunDir(cut)).best!;
    expect(status.best).not.toBeNull();
    expect(leader.hash).toBe(status.best!.hash);
    expect(leader.accuracy).toBeCloseTo(status.best!.accuracy!, 12);
    expect(leader.graded).toBe(status.best!.items);
  });

  it("gives no break-even card when the chosen graph is a single model, and one otherwise", async () => {
    const single = model.graphs.find((g) => g.singleModel !== undefined && g.all.graded >= SOLID_ITEMS)!;
    expect(single).toBeDefined();
    const asSingle: ReportModel = { ...model, best: { ...model.best!, hash: single.hash, graph: single.graph } };
    const be = breakEven(asSingle);
    expect(be.status).toBe("not-applicable");
    expect(be.summary).toContain(`${single.nodes}x ${single.singleModel}`);
    const html = buildHtml(asSingle, be, { curve: "", flops: "", latency: "" }, undefined);
    expect(html).not.toContain(`<div class="label">break-even</div>`);
    expect(html).toContain("not applicable: the found graph is");
    const own = breakEven(model);
    const chosenIsSingle = new Set(model.best!.graph.nodes.map((n) => n.model)).size === 1;
    expect(own.status === "not-applicable").toBe(chosenIsSingle);
    if (!chosenIsSingle) expect(buildHtml(model, own, { curve: "", flops: "", latency: "" }, undefined)).toContain(`<div class="label">break-even</div>`);
  });

  it("lists Pareto graphs only when graded on enough items, each with an interval", () => {
    const result = JSON.parse(readFileSync(join(run, "result.json"), "utf8"));
    expect(result.pareto.length).toBeGreaterThan(0);
    const thin = { ...result.pareto[0], hash: "thin0000", items: SOLID_ITEMS - 3 };
    const withThin: ReportModel = { ...model, pareto: [...model.pareto, thin] };
    const t = paretoTable(withThin)!;
    expect(t.rows.map((r) => r[0])).not.toContain("thin0000");
    const solid = model.pareto.filter((p) => p.items >= SOLID_ITEMS);
    expect(t.rows).toHaveLength(solid.length);
    for (const r of t.rows) expect(r[2]).toMatch(/^\d+\.\d% \[\d+\.\d%, \d+\.\d%\]$/);
  });

  it("folds a long run's iterations and feedback so the page stays short", () => {
    const many = Array.from({ length: 400 }, (_, i) => ({ ...model.iterations[0]!, iteration: 1000 + i, feedback: [{ agent: "rule", text: `note ${i} `.repeat(40) }] }));
    const long: ReportModel = { ...model, iterations: [...model.iterations, ...many] };
    const html = buildHtml(long, breakEven(long), { curve: "", flops: "", latency: "" }, undefined);
    const blocks = html.match(/<div class="feedback"/g) ?? [];
    expect(blocks.length).toBe(KEPT_FEEDBACK);
    const total = long.iterations.reduce((n, it) => n + it.feedback.length + it.fallbacks.length, 0);
    expect(html).toContain(`<details class="long" id="feedback"><summary>${total} feedback and fallback notes (the last ${KEPT_FEEDBACK}; ${total - KEPT_FEEDBACK} earlier ones are in events.jsonl)</summary>`);
    expect(html).toContain(`<summary>all ${long.iterations.length} iterations</summary>`);
    expect(html).toContain("note 399");
    expect(html).not.toContain("note 339 ");
    expect(html.length).toBeLessThan(400_000);
  });
});
