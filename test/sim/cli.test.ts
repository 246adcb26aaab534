import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("tts-graph-sim-cli-");

describe("tts-graph sim", () => {
  it("truth reports accuracy with its standard error, FLOPs and latency", async () => {
    const r = await runCli(["sim", "truth", "examples/graphs/fan-in.json", "--task", "sim:math", "--items", "5000", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ task: "sim:math", items: 5000, calls: 20000, seed: 0 });
    expect(out.accuracy).toBeGreaterThan(0.2);
    expect(out.accuracy).toBeLessThan(0.8);
    expect(out.stderr).toBeCloseTo(Math.sqrt((out.accuracy * (1 - out.accuracy)) / 5000), 10);
    expect(out.low).toBeLessThan(out.accuracy);
    expect(out.high).toBeGreaterThan(out.accuracy);
    // Three 1B answers and a 3B fuser reading them: about the a-priori 11.3 budget units.
    expect(out.meanUnits).toBeGreaterThan(9);
    expect(out.meanUnits).toBeLessThan(14);
    expect(out.meanLatencyMs).toBeGreaterThan(1000);
    // Same world, same items: the same numbers again; a pool naming the same models agrees.
    const again = await runCli(["sim", "truth", "examples/graphs/fan-in.json", "--task", "sim:math", "--items", "5000", "--pool", "sim:llama", "--json"]);
    expect(JSON.parse(again.stdout).accuracy).toBe(out.accuracy);
  });

  it("truth prints a readable summary", async () => {
    const r = await runCli(["sim", "truth", "examples/graphs/chain.json", "--task", "sim:mmlu", "--items", "2000"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^graph examples\/graphs\/chain\.json \(\w+\) on sim:mmlu with the models of sim:mmlu, world seed 0$/m);
    expect(r.stdout).toMatch(/^measure +value$/m);
    expect(r.stdout).toMatch(/^accuracy +\d+\.\d% ± \d\.\d\d points \(standard error\); 95% CI \[\d+\.\d%, \d+\.\d%\]$/m);
    expect(r.stdout).toMatch(/^mean cost +\d\.\d{3}e\+\d+ FLOPs = \d+\.\d{3} budget units$/m);
    expect(r.stdout).toMatch(/^node calls +6000 simulated$/m);
  });

  it("truth rejects a task that is not simulated, a model the pool lacks, and a bad profile, with exit 2", async () => {
    const notSim = await runCli(["sim", "truth", "examples/graphs/fan-in.json", "--task", "gsm8k"]);
    expect(notSim.code).toBe(2);
    expect(notSim.stderr).toMatch(/not a simulated task/);
    const pool = await runCli(["sim", "truth", "examples/graphs/fan-in.json", "--task", "sim:math", "--pool", "sim:gemma"]);
    expect(pool.code).toBe(2);
    expect(pool.stderr).toMatch(/nodes\[0\]\.model/);
    const profile = JSON.parse(readFileSync("profiles/sim/math.json", "utf8"));
    profile.models[1].ability = "high";
    const bad = join(dir, "bad-profile.json");
    writeFileSync(bad, JSON.stringify(profile));
    const r = await runCli(["sim", "truth", "examples/graphs/fan-in.json", "--task", `sim:${bad}`, "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toMatch(/models\[1\]\.ability/);
    expect(JSON.parse(r.stdout).error.issues[0].path).toBe("models[1].ability");
  });

  it("insights --json gives the tables as numbers", async () => {
    const r = await runCli(["sim", "insights", "--task", "sim:math,sim:mmlu", "--items", "600", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.tasks.map((t: { task: string }) => t.task)).toEqual(["sim:math", "sim:mmlu"]);
    for (const t of out.tasks) {
      expect(t.combinations).toHaveLength(5);
      const best = t.combinations.reduce((a: { accuracy: number }, b: { accuracy: number }) => (b.accuracy > a.accuracy ? b : a));
      expect(t.bestCombination).toBe(best.label);
      expect(t.width.map((c: { model: string }) => c.model)).toEqual(["llama-1b", "llama-3b", "llama-8b", "llama-70b"]);
      expect(t.width[0].points).toHaveLength(10);
      expect(t.depth[0].points).toHaveLength(8);
      expect(t.grid[0].accuracy).toHaveLength(5);
      expect(t.grid[0].bestDepth).toHaveLength(5);
    }
    expect(Object.keys(out.summary)).toEqual(["taskPreference", "interiorOptimum", "depthShrinksWithWidth"]);
    expect(out.summary.taskPreference.best["sim:mmlu"]).toBe("1xllama-8b");
  });

  it("insights prints the tables and the verdicts", async () => {
    const r = await runCli(["sim", "insights", "--task", "sim:humaneval", "--items", "400"]);
    expect(r.stderr).toContain("insights: sim:humaneval (1/1), 400 items per point...");
    expect(r.stdout).not.toContain("items per point...");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Insight 1, equal-budget model combinations/);
    expect(r.stdout).toMatch(/7xllama-1b/);
    expect(r.stdout).toMatch(/Insight 3 \(best depth shrinks as width grows\): /);
    expect(r.stdout).toMatch(/Insight 1 \(the best combination differs by task\): needs two tasks/);
  });
});
