import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/graph/schema.js";
import { topology } from "../../src/graph/topology.js";
import { deeperNeighbours } from "../../src/search/moves.js";
import { Rng } from "../../src/util/rng.js";
import { simSetup } from "./helpers.js";

const graph = (workers: string[], out: string): Graph => ({
  version: 1,
  nodes: [...workers.map((model, i) => ({ id: `w${i}`, role: "assistant" as const, model })), { id: "out", role: "assistant", model: out }],
  edges: workers.map((_, i) => [`w${i}`, "out"] as [string, string]),
  output: "out",
});
const models = (g: Graph) => g.nodes.map((n) => n.model).sort();

describe("deeper neighbours of a graph", () => {
  const space = simSetup({ task: "sim:humaneval", budget: 42 }).space;

  it("gathers workers into another worker: one layer deeper, the same models, within the budget", () => {
    const g = graph(["llama-3b", "llama-1b", "llama-8b"], "llama-8b");
    const moves = deeperNeighbours(space, g, new Rng(1, "t"), 4);
    expect(moves.length).toBeGreaterThan(1);
    for (const m of moves) {
      expect(m.kind).toBe("gather");
      expect(topology(m.graph).depth).toBe(topology(g).depth + 1);
      expect(models(m.graph)).toEqual(models(g));
      expect(space.check(m.graph).ok).toBe(true);
    }
    expect(new Set(moves.map((m) => JSON.stringify(m.graph))).size).toBe(moves.length);
  });

  it("inserts a node when a single worker answers into the output", () => {
    const g = graph(["llama-3b"], "llama-3b");
    const moves = deeperNeighbours(space, g, new Rng(2, "t"), 3);
    expect(moves.length).toBeGreaterThan(0);
    for (const m of moves) {
      expect(m.kind).toBe("insert");
      expect(m.graph.nodes).toHaveLength(3);
      expect(topology(m.graph).depth).toBe(3);
      expect(space.check(m.graph).ok).toBe(true);
    }
  });

  it("gives nothing for a model alone, nothing that breaks the budget, and the same moves for the same seed", () => {
    expect(deeperNeighbours(space, graph([], "llama-8b"), new Rng(3, "t"), 4)).toEqual([]);
    // Three llama-8b workers and an 8B output nearly fill 42 units: gathering still fits.
    const full = graph(["llama-8b", "llama-8b", "llama-8b"], "llama-8b");
    const fullMoves = deeperNeighbours(space, full, new Rng(4, "t"), 4);
    expect(fullMoves.length).toBeGreaterThan(0);
    for (const m of fullMoves) expect(space.check(m.graph).ok).toBe(true);
    const g = graph(["llama-3b", "llama-1b", "llama-8b"], "llama-8b");
    expect(deeperNeighbours(space, g, new Rng(5, "t"), 3)).toEqual(deeperNeighbours(space, g, new Rng(5, "t"), 3));
  });
});
