/**
 * The oracle: deterministic, answers only points of the search's own space that fit the budget,
 * measures its answer on the items `sim truth` uses, and on a tiny space finds what exhaustive
 * enumeration of the whole space finds.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { resolvePool, resolveTask } from "../../src/resolve.js";
import { buildSpace } from "../../src/search/setup.js";
import { parseSearchConfig } from "../../src/search/config.js";
import { enumerateSpace, oracle } from "../../src/search/oracle.js";
import { simTruth, type SimTask } from "../../src/sim/index.js";

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

  it("sim oracle prints a graph that sim truth scores the same, and bad arguments exit 2", async () => {
    const r = await runCli(["sim", "oracle", "--task", "sim:humaneval", "--budget", "6", "--evals", "30", "--items", "1500", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o).toMatchObject({ task: "sim:humaneval", pool: "sim:llama", budget: { limit: 6, unit: "units" } });
    expect(o.planUnits).toBeLessThanOrEqual(6);
    const file = join(tempDir("tts-graph-oracle-"), "oracle.json");
    writeFileSync(file, JSON.stringify(o.graph));
    const t = await runCli(["sim", "truth", file, "--task", "sim:humaneval", "--pool", "sim:llama", "--items", "1500", "--json"]);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout).accuracy).toBe(o.truth.accuracy);
    const text = await runCli(["sim", "oracle", "--task", "sim:humaneval", "--budget", "6", "--evals", "30", "--items", "1500"]);
    expect(text.stdout).toMatch(/^accuracy +\d+\.\d% ± \d\.\d\d points \(standard error\) on 1500 population items/m);
    expect(text.stdout).toMatch(/^graphs scored +\d+ \(\d+ enumerated, \d+ by evolution\)/m);
    for (const [args, message] of [
      [["--task", "sim:math", "--budget", "0.2"], /below the cost of a single call/],
      [["--task", "gsm8k", "--budget", "10"], /not a simulated task/],
      [["--task", "sim:nope", "--budget", "10"], /unknown simulated task/],
      [["--task", "sim:math", "--budget", "10", "--evals", "x"], /--evals expects a whole number/],
      [["--task", "sim:math", "--budget", "10", "--output-model", "nope"], /output model "nope" is not in the pool/],
      [["--task", "sim:math"], /required option '--budget/],
    ] as [string[], RegExp][]) {
      const b = await runCli(["sim", "oracle", ...args]);
      expect(b.code, args.join(" ")).toBe(2);
      expect(b.stderr).toMatch(message);
      expect(b.stdout).toBe("");
    }
  });
});
