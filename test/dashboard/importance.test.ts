import { describe, expect, it } from "vitest";
import { featureImportance } from "../../src/dashboard/importance.js";
import type { GraphStats, Tally } from "../../src/report/extract.js";

function stats(hash: string, models: string[], accuracy: number, graded = 20): GraphStats {
  const t: Tally = { items: graded, graded, correct: Math.round(accuracy * graded), errored: 0, accuracy, meanFlops: 1e12, meanLatencyMs: 100, calls: graded };
  const nodes = models.map((m, i) => ({ id: `n${i}`, role: "assistant" as const, model: m }));
  const unique = new Set(models);
  return { hash, graph: { version: 1, name: hash, nodes, edges: [], output: "n0" }, origin: "test", firstIteration: 0, search: t, validation: { ...t, items: 0, graded: 0, correct: 0, accuracy: NaN }, all: t, failed: false, singleModel: unique.size === 1 ? models[0] : undefined, nodes: models.length, width: models.length, depth: 1 };
}

describe("feature importance", () => {
  it("gives the whole variance to the feature that alone decides accuracy, and names its best value", () => {
    // Accuracy follows the main model only; node counts vary independently of it.
    const graphs = [stats("a", ["big"], 0.8), stats("b", ["big", "big", "big"], 0.8), stats("c", ["small"], 0.4), stats("d", ["small", "small", "small"], 0.4)];
    const imp = featureImportance(graphs);
    const main = imp.find((f) => f.feature === "main model")!;
    expect(main.importance).toBeCloseTo(1, 12);
    expect(main.bestValue).toBe("big");
    expect(imp.find((f) => f.feature === "nodes")!.importance).toBeCloseTo(0, 12);
    expect(imp[0]!.feature).toBe("main model");
  });

  it("leaves out graphs graded on too few items, and says nothing with fewer than two", () => {
    expect(featureImportance([stats("a", ["big"], 0.8), stats("b", ["small"], 0.2, 3)])).toEqual([]);
  });
});
