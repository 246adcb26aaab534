/** The paper's three insights, computed in the simulator from the committed profiles. */
import { describe, expect, it } from "vitest";
import { builtinSimProfile, createSimWorld, summariseInsights, taskInsights, type TaskInsights } from "../../src/sim/index.js";

const byTask: Record<string, TaskInsights> = {};
// MMLU enters only through its combinations (insight 1), so its grid, the costliest part, is skipped;
// the others' grids are 4 x 5 (the calibration's), not the command's 5 x 6, to keep this file fast.
// MATH's depth optimum is a rise and fall of about two points (1B chains: references help, then the
// growing chain outruns the model's context), so it is measured on twice the items to resolve it.
for (const name of ["math", "mmlu", "humaneval"]) {
  byTask[name] = taskInsights(createSimWorld(builtinSimProfile(name), 0), { items: name === "math" ? 6000 : 3000, grid: name !== "mmlu", gridWidth: 4, gridDepth: 5 });
}
const summary = summariseInsights(Object.values(byTask));
const acc = (t: TaskInsights, label: string) => t.combinations.find((c) => c.label === label)!.accuracy;

describe("the paper's insights hold in the simulator", () => {
  it("1: the best model combination differs by task (MATH: 3x3B beats 1x8B; MMLU: the reverse)", () => {
    expect(byTask.math!.combinations.map((c) => c.label)).toEqual(["1xllama-8b", "3xllama-3b", "2xllama-3b + 3xllama-1b", "1xllama-3b + 6xllama-1b", "9xllama-1b"]);
    expect(acc(byTask.math!, "3xllama-3b")).toBeGreaterThan(acc(byTask.math!, "1xllama-8b"));
    expect(acc(byTask.mmlu!, "1xllama-8b")).toBeGreaterThan(acc(byTask.mmlu!, "3xllama-3b"));
    expect(byTask.math!.bestCombination).not.toBe(byTask.mmlu!.bestCombination);
    expect(summary.taskPreference.holds).toBe(true);
  });

  it("2: accuracy rises then falls with width and with depth for some models (MATH, HumanEval)", () => {
    const interior = (c: TaskInsights["width"][number], t: TaskInsights) => {
      const a = c.points.map((p) => p.accuracy);
      const best = Math.max(...a);
      expect(best - a[0]!).toBeGreaterThanOrEqual(t.margin);
      expect(best - a[a.length - 1]!).toBeGreaterThanOrEqual(t.margin);
    };
    for (const t of [byTask.math!, byTask.humaneval!]) {
      const w = t.width.filter((c) => c.interior);
      const d = t.depth.filter((c) => c.interior);
      expect(w.length, `${t.task} width`).toBeGreaterThan(0);
      expect(d.length, `${t.task} depth`).toBeGreaterThan(0);
      [...w, ...d].forEach((c) => interior(c, t));
    }
    expect(summary.interiorOptimum.holds).toBe(true);
    expect(summary.interiorOptimum.tasks).toEqual(expect.arrayContaining(["sim:math", "sim:humaneval"]));
  });

  it("3: the best depth shrinks as width grows (MATH, HumanEval)", () => {
    for (const t of [byTask.math!, byTask.humaneval!]) {
      const shrinking = t.grid.filter((g) => g.shrinks);
      expect(shrinking.length, t.task).toBeGreaterThan(0);
      for (const g of shrinking) {
        for (let i = 1; i < g.bestDepth.length; i++) expect(g.bestDepth[i]!).toBeLessThanOrEqual(g.bestDepth[i - 1]!);
        expect(g.bestDepth[g.bestDepth.length - 1]!).toBeLessThan(g.bestDepth[0]!);
      }
    }
    expect(summary.depthShrinksWithWidth.holds).toBe(true);
  });
});
