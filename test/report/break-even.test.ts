import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { callFlops } from "../../src/cost/flops.js";
import { resolvePool } from "../../src/resolve.js";
import { agentFlops, breakEven } from "../../src/report/break-even.js";
import { extractReport, SOLID_ITEMS, type ReportModel } from "../../src/report/extract.js";
import { readRunDir } from "../../src/report/run-dir.js";
import { tempDir } from "../helpers/tmp.js";
import { rawEvents, searchRun } from "./runs.js";

interface Row {
  hash: string;
  models: Set<string>;
  graded: number;
  correct: number;
  flops: number;
  n: number;
}

/** The break-even, worked out plainly from the raw log and result.json. */
function expected(run: string): { status: string; queries?: number; baseline?: string } {
  const result = JSON.parse(readFileSync(join(run, "result.json"), "utf8"));
  const rows = new Map<string, Row>();
  const seen = new Set<string>();
  const failed = new Set<string>();
  for (const e of rawEvents(run)) {
    if (e.type === "graph.proposed" && !rows.has(e.hash as string)) {
      const g = e.graph as { nodes: { model: string }[] };
      rows.set(e.hash as string, { hash: e.hash as string, models: new Set(g.nodes.map((n) => n.model)), graded: 0, correct: 0, flops: 0, n: 0 });
    }
    if (e.type === "eval.batch") {
      if (e.status === "failed") failed.add(e.hash as string);
      const r = rows.get(e.hash as string)!;
      for (const o of e.items as { itemId: string; flops: number; correct: boolean | null; errored: boolean }[]) {
        const key = `${e.split as string}/${e.hash as string}/${o.itemId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        r.n++;
        r.flops += o.flops;
        if (!o.errored) r.graded++;
        if (o.correct === true) r.correct++;
      }
    }
  }
  const best = rows.get(result.best.hash)!;
  const target = result.best.validation ? result.best.validation.accuracy : result.best.search.accuracy;
  if (best.models.size === 1) return { status: "not-applicable" };
  // f* is measured on the items a* is: the validation items when the chosen graph was validated.
  const fStar = (result.best.validation ?? result.best.search).meanFlops;
  const reaching = [...rows.values()]
    .filter((r) => r.hash !== best.hash && r.models.size === 1 && !failed.has(r.hash) && r.graded >= SOLID_ITEMS && r.correct / r.graded >= target)
    .sort((a, b) => a.flops / a.n - b.flops / b.n);
  if (reaching.length === 0) return { status: "not-estimable" };
  const b = reaching[0]!;
  const saving = b.flops / b.n - fStar;
  if (saving <= 0) return { status: "not-repaid", baseline: b.hash };
  return { status: "repaid", queries: Math.ceil(result.cost.graphFlops / saving), baseline: b.hash };
}

describe("break-even estimate", () => {
  let runs: Record<"accuracy" | "latency", string>;
  beforeAll(async () => {
    const root = tempDir("tts-graph-report-");
    runs = {
      accuracy: await searchRun(join(root, "acc")),
      latency: await searchRun(join(root, "lat"), ["--objective", "latency"]),
    };
  });

  it.each(["accuracy", "latency"] as const)("on a real %s run it agrees with the definition worked out from the raw log", (which) => {
    const model = extractReport(readRunDir(runs[which]));
    const be = breakEven(model);
    const want = expected(runs[which]);
    expect(be.status).toBe(want.status);
    expect(be.baseline?.hash).toBe(want.baseline);
    expect(be.queries).toBe(want.queries);
    expect(be.searchFlops.agent).toBe(0);
    expect(be.searchFlops.total).toBe(model.cost.graphFlops);
    expect(be.target?.hash).toBe(model.best?.hash);
    for (const b of be.baselines) expect(b.reaches).toBe(b.accuracy >= be.target!.accuracy);
  });

  /** The same run, with the found graph's figures changed: the estimate must follow the definition. */
  function withBest(model: ReportModel, change: { accuracy?: number; meanFlops?: number }): ReportModel {
    return { ...model, best: { ...model.best!, ...change } };
  }

  it("a cheaper graph of equal accuracy repays the search after ceil(S / saving) queries", () => {
    const model = extractReport(readRunDir(runs.accuracy));
    const be0 = breakEven(model);
    const weakest = be0.baselines.reduce((a, b) => (b.accuracy < a.accuracy ? b : a));
    const cheapest = Math.min(...be0.baselines.map((b) => b.meanFlops));
    const m = withBest(model, { accuracy: weakest.accuracy, meanFlops: cheapest / 2 });
    const be = breakEven(m);
    expect(be.status).toBe("repaid");
    const reaching = be0.baselines.filter((b) => b.accuracy >= weakest.accuracy).sort((a, b) => a.meanFlops - b.meanFlops);
    expect(be.baseline?.hash).toBe(reaching[0]!.hash);
    expect(be.savingPerQuery).toBeCloseTo(reaching[0]!.meanFlops - cheapest / 2, -3);
    expect(be.queries).toBe(Math.ceil(model.cost.graphFlops / (reaching[0]!.meanFlops - cheapest / 2)));
    expect(be.summary).toMatch(/^repaid after [\d,]+ queries/);
  });

  it("a dearer graph than an equally accurate baseline never repays the search", () => {
    const model = extractReport(readRunDir(runs.accuracy));
    const be0 = breakEven(model);
    const weakest = be0.baselines.reduce((a, b) => (b.accuracy < a.accuracy ? b : a));
    const be = breakEven(withBest(model, { accuracy: weakest.accuracy, meanFlops: 10 * Math.max(...be0.baselines.map((b) => b.meanFlops)) }));
    expect(be.status).toBe("not-repaid");
    expect(be.queries).toBeUndefined();
    expect(be.savingPerQuery).toBeLessThan(0);
    expect(be.summary).toMatch(/^not repaid: /);
  });

  it("with no single-model graph as accurate, it is not estimable and says why", () => {
    const model = extractReport(readRunDir(runs.accuracy));
    const top = Math.max(...breakEven(model).baselines.map((b) => b.accuracy));
    const be = breakEven(withBest(model, { accuracy: Math.min(1, top + 0.01) }));
    expect(be.status).toBe("not-estimable");
    expect(be.summary).toMatch(/no evaluated single-model graph reaches the found graph's accuracy \(the most accurate evaluated single-model graph \(\d+x [\w.-]+\) reached [\d.]+% on \d+ items/);
    const noSingles = breakEven({ ...model, graphs: model.graphs.filter((g) => g.singleModel === undefined || g.hash === model.best?.hash) });
    expect(noSingles.status).toBe("not-estimable");
    expect(noSingles.summary).toMatch(/no single-model graph was graded on at least 8 items/);
    expect(breakEven({ ...model, best: undefined }).status).toBe("not-estimable");
  });

  it("the agent's tokens count as search FLOPs when its model's size is known", () => {
    const model = extractReport(readRunDir(runs.accuracy));
    const pool = resolvePool("sim:llama").pool.models;
    const big = pool.reduce((a, b) => (b.params > a.params ? b : a));
    const calls = [
      { model: big.id, promptTokens: 1200, completionTokens: 300 },
      { model: big.id, promptTokens: 900, completionTokens: undefined },
      { model: big.id, promptTokens: undefined, completionTokens: undefined },
    ];
    const want = callFlops(big, 1200, 300).total + callFlops(big, 900, 0).total;
    expect(agentFlops(calls, pool)).toEqual({ flops: want, unconvertedTokens: 0, withoutUsage: 1 });
    const known = breakEven({ ...model, agentCalls: calls.slice(0, 2) }, { models: pool });
    expect(known.searchFlops.agent).toBe(want);
    expect(known.searchFlops.total).toBe(model.cost.graphFlops + want);
    const unknown = breakEven({ ...model, agentCalls: calls.slice(0, 2) });
    expect(unknown.searchFlops.agent).toBeUndefined();
    expect(unknown.searchFlops.unconvertedAgentTokens).toBe(2400);
    expect(unknown.searchFlops.total).toBe(model.cost.graphFlops);
  });
});
