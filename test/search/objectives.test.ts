import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolvePool } from "../../src/resolve.js";
import { runSearch } from "../../src/search/harness.js";
import { utilityOf } from "../../src/search/objective.js";
import { tempDir } from "../helpers/tmp.js";
import { simSetup } from "./helpers.js";

describe("objectives", () => {
  it("latency with a limit: the chosen graph meets the limit that the accuracy-only choice exceeds", async () => {
    const acc = await runSearch(simSetup({ evals: 400, seed: 1 }));
    const lat = await runSearch(simSetup({ evals: 400, seed: 1, objective: { kind: "latency", limitMs: 2500 } }));
    expect(acc.best.validation!.meanLatencyMs).toBeGreaterThan(2500);
    expect(lat.best.validation!.meanLatencyMs).toBeLessThanOrEqual(2500);
    expect(lat.objective).toEqual({ kind: "latency", limitMs: 2500, weightPerSecond: 0.01 });
  });

  it("latency traded against accuracy: a heavier weight picks a faster graph", async () => {
    const light = await runSearch(simSetup({ evals: 400, seed: 2, objective: { kind: "latency", weightPerSecond: 0 } }));
    const heavy = await runSearch(simSetup({ evals: 400, seed: 2, objective: { kind: "latency", weightPerSecond: 0.2 } }));
    expect(heavy.best.validation!.meanLatencyMs).toBeLessThan(light.best.validation!.meanLatencyMs);
  });

  it("accuracy per dollar needs prices, and then prefers cheap graphs", async () => {
    expect(() => simSetup({ objective: { kind: "cost" } })).toThrow(/--objective cost needs a price for every model/);
    const sim = resolvePool("sim:llama");
    const price: Record<string, number> = { "llama-1b": 0.1, "llama-3b": 0.3, "llama-8b": 0.8, "llama-70b": 5 };
    const file = join(tempDir(), "priced.json");
    writeFileSync(file, JSON.stringify({ models: sim.pool.models.map((m) => ({ ...m, pricing: { inputPerMTok: price[m.id], outputPerMTok: 2 * price[m.id]! } })) }));
    const pool = resolvePool(file);
    const acc = await runSearch(simSetup({ evals: 400 }, pool));
    const cost = await runSearch(simSetup({ evals: 400, objective: { kind: "cost" } }, pool));
    const v = cost.best.validation!;
    expect(v.meanDollars).toBeGreaterThan(0);
    expect(v.utility).toBeCloseTo(utilityOf({ kind: "cost" }, v));
    expect(v.meanDollars!).toBeLessThan(acc.best.validation!.meanDollars!);
  });
});
