/**
 * A search on real models end to end: the project's tiny GGUF models on the generated `arith`
 * task, through the built binary (llama.cpp in-process, real token counts, real grading).
 */
import { describe, expect, it } from "vitest";
import { loadNodeLlamaCpp } from "../../src/models/gguf.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const missing = await loadNodeLlamaCpp().then(
  () => null,
  (err: Error) => err.message,
);
if (missing) console.warn(`skipping the search on the tiny GGUF pool: ${missing}`);

describe.skipIf(missing !== null)("search on the tiny GGUF pool", () => {
  it("runs Agent-REINFORCE end to end on real models and validates the graph it chose", async () => {
    const out = tempDir("tts-graph-tiny-search-");
    const r = await runCli(["search", "--pool", "examples/pools/tiny-gguf.yaml", "--task", "arith", "--evals", "300", "--no-cache", "--out", out, "--json"], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const { result } = JSON.parse(r.stdout);
    expect(result.cost.evals.total).toBe(300);
    expect(result.cost.evals.probe).toBeGreaterThan(0);
    const models = result.best.graph.nodes.map((n: { model: string }) => n.model);
    expect(models.every((m: string) => m.startsWith("arith-"))).toBe(true);
    expect(result.best.validation.items).toBeGreaterThan(0);
    expect(result.best.validation.errored).toBe(0);
    // FLOPs come from the models' real token counts.
    expect(result.best.validation.meanFlops).toBeGreaterThan(0);
    expect(result.cost.graphCalls).toBeGreaterThanOrEqual(300);
    expect(result.best.plan.units).toBeLessThanOrEqual(18 + 1e-9);
  });
});
