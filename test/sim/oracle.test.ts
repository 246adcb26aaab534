/**
 * The oracle: deterministic, answers only points of the search's own space that fit the budget,
 * measures its answer on the items `sim truth` uses, and on a tiny space finds what exhaustive
 * enumeration of the whole space finds.
 */
import { describe, expect, it } from "vitest";
import { resolvePool, resolveTask } from "../../src/resolve.js";
import { buildSpace } from "../../src/search/setup.js";
import { parseSearchConfig } from "../../src/search/config.js";
import { enumerateSpace, oracle, simTruth, type SimTask } from "../../src/sim/index.js";

const task = resolveTask("sim:math") as SimTask;
const pool = resolvePool("sim:llama");
const spaceOf = (raw: Record<string, unknown>) => buildSpace(parseSearchConfig({ task: "sim:math", ...raw }), task, pool);

describe("sim oracle", () => {
  it("is deterministic for a seed, and its graph is a point of the search space within the budget", () => {
    const space = spaceOf({ budget: 10 });
    const opts = { seed: 3, evals: 100, items: 2000, screenItems: 200, rescoreItems: 600 };
    const a = oracle(task.world, space, opts);
    const b = oracle(task.world, space, opts);
    expect(b).toEqual(a);
    expect(space.check(a.graph).ok).toBe(true);
    expect(a.planUnits).toBeLessThanOrEqual(10);
    const mapped = space.fromGraph(a.graph);
    if (!("genome" in mapped)) throw new Error(mapped.problems.join("; "));
    expect(space.toGraph(mapped.genome)).toEqual(a.graph);
    // Measured on the items `sim truth` uses: the same figures.
    expect(a.truth).toEqual(simTruth(task.world, a.graph, { items: 2000 }));
    expect(a.scored.total).toBe(a.scored.enumerated + a.scored.evolved);
    expect(a.scored.evolved).toBeGreaterThan(0);
    // Nothing among the finalists is better.
    for (const f of a.finalists) expect(f.accuracy).toBeLessThanOrEqual(a.truth.accuracy);
  });

  it("keeps a fixed output model and the no-fuser rule of the space", () => {
    const space = spaceOf({ budget: 18, space: { outputModel: "llama-1b", fuser: false } });
    const o = oracle(task.world, space, { evals: 50, items: 1000, screenItems: 200, rescoreItems: 500 });
    const out = o.graph.nodes.find((n) => n.id === o.graph.output)!;
    expect(out.model).toBe("llama-1b");
    expect(o.graph.nodes.every((n) => n.role === "assistant")).toBe(true);
    expect(space.check(o.graph).ok).toBe(true);
  });

  it("on a tiny space finds the best graph of exhaustive enumeration", () => {
    // Two models and room for three workers: every graph of the space can be listed.
    const space = spaceOf({ budget: 7, space: { models: ["llama-1b", "llama-3b"] } });
    expect(space.slots).toBe(3);
    const all = enumerateSpace(space);
    expect(all.length).toBeGreaterThan(60);
    const items = 2000;
    const scored = all.map((g) => ({ g, acc: simTruth(task.world, g, { items }).accuracy }));
    const top = Math.max(...scored.map((s) => s.acc));
    const o = oracle(task.world, space, { evals: 200, items, screenItems: 200, rescoreItems: 200, finalists: all.length, rescore: all.length });
    expect(o.scored.total).toBeGreaterThan(all.length / 3);
    expect(o.truth.accuracy).toBe(top);
    // With its default stages (screening, then the best few measured in full) it is as good within noise.
    const d = oracle(task.world, space, { items, evals: 100, screenItems: 300, rescoreItems: 1000 });
    expect(d.truth.accuracy).toBeGreaterThan(top - 2 * d.truth.stderr);
  });
});
