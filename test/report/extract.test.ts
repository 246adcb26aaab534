import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { extractReport, SOLID_ITEMS, type GraphStats } from "../../src/report/extract.js";
import { readRunDir } from "../../src/report/run-dir.js";
import { tempDir } from "../helpers/tmp.js";
import { cutRun, rawEvents, searchRun } from "./runs.js";

interface RawItem {
  itemId: string;
  flops: number;
  calls: number;
  correct: boolean | null;
  errored: boolean;
}

/** Distinct (split, item) outcomes per graph, read plainly from the log. */
function itemsByGraph(events: Record<string, unknown>[]): Map<string, Map<string, RawItem>> {
  const out = new Map<string, Map<string, RawItem>>();
  for (const e of events) {
    if (e.type !== "eval.batch") continue;
    const m = out.get(e.hash as string) ?? new Map<string, RawItem>();
    for (const o of e.items as RawItem[]) m.set(`${e.split as string}/${o.itemId}`, o);
    out.set(e.hash as string, m);
  }
  return out;
}

function dominated(p: GraphStats, by: GraphStats, cost: (g: GraphStats) => number): boolean {
  return by.all.accuracy >= p.all.accuracy && cost(by) <= cost(p) && (by.all.accuracy > p.all.accuracy || cost(by) < cost(p));
}

describe("report data from a run directory", () => {
  let root: string;
  let run: string;
  let result: { best: { hash: string; validation: { accuracy: number; items: number; errored: number } }; cost: { evals: Record<string, number>; graphCalls: number; graphFlops: number }; candidates: { hash: string }[]; curve: unknown[] };
  beforeAll(async () => {
    root = tempDir("tts-graph-report-");
    run = await searchRun(join(root, "run"));
    result = JSON.parse(readFileSync(join(run, "result.json"), "utf8"));
  });

  it("the search cost summed from the log equals the harness's own accounting", () => {
    const dir = readRunDir(run);
    const fromLog = extractReport({ ...dir, result: undefined });
    expect(fromLog.costSource).toBe("log");
    expect(fromLog.cost.evals).toEqual(result.cost.evals);
    expect(fromLog.cost.graphCalls).toBe(result.cost.graphCalls);
    expect(fromLog.cost.graphFlops).toBeCloseTo(result.cost.graphFlops, -3);
    const model = extractReport(dir);
    expect(model.costSource).toBe("result");
    expect(model.iterations.at(-1)!.evalsAfter).toBe(result.cost.evals.total);
    expect(model.sampled.at(-1)!.evals).toBe(result.cost.evals.total);
  });

  it("every evaluated graph is there with each distinct item once", () => {
    const model = extractReport(readRunDir(run));
    const raw = itemsByGraph(rawEvents(run));
    expect(new Set(model.graphs.map((g) => g.hash))).toEqual(new Set(raw.keys()));
    for (const g of model.graphs) {
      const items = [...raw.get(g.hash)!.values()];
      expect(g.all.items).toBe(items.length);
      expect(g.all.correct).toBe(items.filter((o) => o.correct === true).length);
      expect(g.all.meanFlops).toBeCloseTo(items.reduce((s, o) => s + o.flops, 0) / items.length, -2);
      expect(g.singleModel === undefined).toBe(new Set(g.graph.nodes.map((n) => n.model)).size > 1);
    }
    for (const c of result.candidates) expect(model.graphs.some((g) => g.hash === c.hash)).toBe(true);
  });

  it("the chosen graph, the harness curve, and one row per iteration with the agent's feedback", () => {
    const model = extractReport(readRunDir(run));
    expect(model.complete).toBe(true);
    expect(model.best?.hash).toBe(result.best.hash);
    expect(model.best?.basis).toBe("validation");
    expect(model.best?.accuracy).toBe(result.best.validation.accuracy);
    expect(model.best?.graded).toBe(result.best.validation.items - result.best.validation.errored);
    expect(model.curve.source).toBe("result");
    expect(model.curve.points.length).toBe(result.curve.length);
    const raw = rawEvents(run);
    expect(model.iterations.flatMap((i) => i.feedback).map((f) => f.text)).toEqual(raw.filter((e) => e.type === "agent.feedback").map((e) => e.text));
    const started = raw.filter((e) => e.type === "iteration.started");
    expect(model.iterations.map((i) => [i.iteration, i.phase])).toEqual(started.map((e) => [e.iteration, e.phase]));
    expect(model.sampled.length).toBe(raw.filter((e) => e.type === "eval.batch" && (e.score as { accuracy: unknown }).accuracy !== null).length);
  });

  it("each chart's Pareto front is exactly the solid graphs no other solid graph dominates", () => {
    const model = extractReport(readRunDir(run));
    for (const [axis, cost] of [
      ["flops", (g: GraphStats) => g.all.meanFlops],
      ["latency", (g: GraphStats) => g.all.meanLatencyMs],
    ] as const) {
      const solid = model.graphs.filter((g) => !g.failed && g.all.graded >= SOLID_ITEMS);
      const front = new Set(model.fronts[axis]);
      expect(front.size).toBeGreaterThan(0);
      for (const g of solid) expect(front.has(g.hash)).toBe(!solid.some((q) => q !== g && dominated(g, q, cost)));
      const costs = model.fronts[axis].map((h) => cost(model.graphs.find((g) => g.hash === h)!));
      expect([...costs].sort((a, b) => a - b)).toEqual(costs);
    }
  });

  it("an unfinished run: what the log holds, the leader on search items, and a note saying it is incomplete", () => {
    const cut = join(root, "cut");
    const kept = cutRun(run, cut, 0.4);
    const model = extractReport(readRunDir(cut));
    expect(model.complete).toBe(false);
    expect(model.notes[0]).toMatch(/the run is incomplete: result\.json is missing/);
    expect(model.notes.some((n) => /is incomplete, as a write cut short leaves it/.test(n))).toBe(true);
    const raw = itemsByGraph(kept.map((l) => JSON.parse(l)));
    const distinct = [...raw.values()].reduce((s, m) => s + m.size, 0);
    expect(model.cost.evals.total).toBe(distinct);
    expect(model.candidates).toEqual([]);
    expect(model.curve.source).toBe("log");
    const evals = model.curve.points.map((p) => p.evals);
    expect([...evals].sort((a, b) => a - b)).toEqual(evals);
    // The leader is the harness's after the last finished iteration, as `tts-graph status` says.
    const leader = model.best!;
    expect(leader.basis).toBe("search");
    const finished = kept.map((l) => JSON.parse(l) as { type: string; best?: { hash: string; accuracy: number; items: number } }).filter((e) => e.type === "iteration.finished" && e.best);
    const last = finished.at(-1)!.best!;
    expect(leader.hash).toBe(last.hash);
    expect(leader.accuracy).toBeCloseTo(last.accuracy, 12);
    expect(leader.graded).toBe(last.items);
    expect(model.curve.points.map((p) => p.hash)).toEqual(finished.map((e) => e.best!.hash));
  });
});
