/** Generated worlds: one profile per seed, always valid, usable wherever a profile file is. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSimWorld, generateWorld, parseSimProfile, simTruth, layeredGraph } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("tts-graph-sim-world-");

describe("generated worlds", () => {
  it("are a function of the seed", () => {
    expect(generateWorld(7)).toEqual(generateWorld(7));
    expect(generateWorld(8)).not.toEqual(generateWorld(7));
  });

  it("are valid profiles of one to three families and two to six models, with plausible accuracies", () => {
    const styles = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const p = generateWorld(seed);
      styles.add(p.task.style);
      expect(parseSimProfile(JSON.parse(JSON.stringify(p)), "round trip")).toEqual(p);
      const families = new Set(p.models.map((m) => m.family));
      expect(families.size).toBeGreaterThanOrEqual(1);
      expect(families.size).toBeLessThanOrEqual(3);
      expect(p.models.length).toBeGreaterThanOrEqual(2);
      expect(p.models.length).toBeLessThanOrEqual(6);
      // Within a family, a larger model is more able on average: the strongest is never the smallest.
      for (const f of families) {
        const ms = p.models.filter((m) => m.family === f).sort((a, b) => a.params - b.params);
        expect(ms[ms.length - 1]!.ability).toBeGreaterThan(ms[0]!.ability - 0.5);
      }
      const world = createSimWorld(p);
      for (const m of p.models) {
        const acc = simTruth(world, layeredGraph(m.id, 1, 1), { items: 300 }).accuracy;
        expect(acc).toBeGreaterThan(0.05);
        expect(acc).toBeLessThan(0.97);
      }
    }
    expect([...styles].sort()).toEqual(["choice", "code", "math"]);
  });

  it("take the task style asked for", () => {
    for (const style of ["math", "choice", "code"] as const) {
      const p = generateWorld(11, style);
      expect(p.task.style).toBe(style);
      expect(p.task.choices !== undefined).toBe(style === "choice");
      if (style === "choice") expect(p.task.wrongAnswers.unique).toBe(0);
    }
    expect(generateWorld(11, "math").task).not.toEqual(generateWorld(11, "code").task);
  });

  it("sim world prints a profile that search, sim truth and sim oracle take; bad arguments exit 2", async () => {
    const r = await runCli(["sim", "world", "--seed", "4", "--style", "math"]);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p).toEqual(JSON.parse(JSON.stringify(generateWorld(4, "math"))));
    const file = join(dir, "world-4.json");
    writeFileSync(file, r.stdout);
    const graph = join(dir, "single.json");
    writeFileSync(graph, JSON.stringify(layeredGraph(p.models[0].id, 1, 1)));
    const truth = await runCli(["sim", "truth", graph, "--task", `sim:${file}`, "--items", "500", "--json"]);
    expect(truth.code, truth.stderr).toBe(0);
    expect(JSON.parse(truth.stdout).items).toBe(500);
    const o = await runCli(["sim", "oracle", "--task", `sim:${file}`, "--pool", `sim:${file}`, "--budget", "6", "--evals", "20", "--items", "500", "--json"]);
    expect(o.code, o.stderr).toBe(0);
    expect(JSON.parse(o.stdout).planUnits).toBeLessThanOrEqual(6);
    const s = await runCli(["search", "--task", `sim:${file}`, "--pool", `sim:${file}`, "--budget", "6", "--evals", "300", "--out", join(dir, "run"), "--json"]);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).result.best.graph.nodes.length).toBeGreaterThan(0);
    for (const bad of [[], ["--seed", "x"], ["--seed", "1", "--style", "essay"], ["--seed", "-3"]]) {
      const b = await runCli(["sim", "world", ...bad]);
      expect(b.code, bad.join(" ")).toBe(2);
      expect(b.stdout).toBe("");
    }
  });
});
