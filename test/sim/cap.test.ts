/**
 * The search's token cap in the truth: a profile whose answers run past 1,024 tokens is measured the
 * same by the search and by `sim truth`, and both say so.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinSimProfile, createSimWorld, layeredGraph, outputCapWarnings, simTruth } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("tts-graph-sim-cap-");

/** sim:math with answers about 1,400 tokens long. */
function longProfile() {
  const p = structuredClone(builtinSimProfile("math"));
  p.name = "longmath";
  p.task.tokens.output = 1400;
  return p;
}

describe("outputs past the token cap", () => {
  it("are cut in the truth, and warned about per model", () => {
    const world = createSimWorld(longProfile());
    const g = layeredGraph("llama-8b", 1, 1);
    const capped = simTruth(world, g, { items: 3000 });
    const free = simTruth(world, g, { items: 3000, maxTokens: 100_000 });
    expect(capped.maxTokens).toBe(1024);
    expect(capped.truncatedCalls).toBeGreaterThan(2000);
    expect(capped.accuracy).toBeLessThan(free.accuracy - 0.2);
    const warnings = outputCapWarnings(world, 1024, ["llama-1b", "llama-8b"]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/llama-1b of longmath writes answers longer than the 1024-token cap on \d+\.\d% of items/);
    // The built-in profiles fit the cap.
    expect(outputCapWarnings(createSimWorld(builtinSimProfile("math")), 1024)).toEqual([]);
  });

  it("search warns on stderr and in result.json, and its validation agrees with sim truth", async () => {
    const file = join(dir, "long.json");
    writeFileSync(file, JSON.stringify(longProfile()));
    const out = join(dir, "run");
    const s = await runCli(["search", "--task", `sim:${file}`, "--pool", "sim:llama", "--budget", "9", "--evals", "400", "--out", out, "--json"]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/warning: simulated model llama-1b of longmath writes answers longer than the 1024-token cap/);
    const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
    expect(result.warnings.length).toBeGreaterThan(0);
    expect(result.warnings[0]).toMatch(/1024-token cap/);
    const graph = join(out, "best.graph.json");
    const t = await runCli(["sim", "truth", graph, "--task", `sim:${file}`, "--pool", "sim:llama", "--items", "4000", "--json"]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/calls wrote more than 1024 tokens and were cut there/);
    const truth = JSON.parse(t.stdout);
    const v = result.best.validation;
    // The search's validation items and the truth measure the same thing: within noise of each other.
    const se = Math.sqrt((truth.accuracy * (1 - truth.accuracy)) / (v.items - v.errored) + truth.stderr ** 2);
    expect(Math.abs(v.accuracy - truth.accuracy)).toBeLessThan(4 * se + 0.01);
  });
});
