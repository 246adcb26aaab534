/**
 * A quick search on the chain world: Agent-REINFORCE over the tiny chain-* GGUF models on the
 * generated `chain` task, through the built binary (llama.cpp in-process, real token counts, real
 * grading), checked through the files the run leaves.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { llamaMissing } from "../helpers/gguf.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const missing = await llamaMissing("the search on the tiny chain pool");

describe.skipIf(missing !== null)("search on the tiny chain pool", () => {
  it("runs the example config end to end on real models and writes a result whose graph uses only chain models within the budget", async () => {
    const out = tempDir("tts-graph-chain-search-");
    const r = await runCli(["search", "--config", "examples/configs/search-tiny-chain.yaml", "--evals", "400", "--out", out, "--seed", "3"], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const resultFile = join(out, "result.json");
    expect(existsSync(resultFile)).toBe(true);
    const result = JSON.parse(readFileSync(resultFile, "utf8"));
    expect(result.cost.evals.total).toBe(400);
    expect(result.cost.erroredItems).toBe(0);
    const models: string[] = result.best.graph.nodes.map((n: { model: string }) => n.model);
    expect(models.every((m) => /^chain-(xs|s|m)$/.test(m))).toBe(true);
    expect(result.best.plan.units).toBeLessThanOrEqual(20 + 1e-9);
    expect(result.best.validation.items).toBeGreaterThan(0);
    expect(result.best.validation.errored).toBe(0);
    expect(result.best.validation.meanFlops).toBeGreaterThan(0);
    // The run recorded the config's greedy fusers, so eval and run of its graph sample the same way.
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(config.sampling.roles.fuser.temperature).toBe(0);
    // Graded for real: a chain model is right on some items and wrong on others.
    expect(result.best.validation.accuracy).toBeGreaterThan(0.2);
    expect(result.best.validation.accuracy).toBeLessThan(1);
  });
});
