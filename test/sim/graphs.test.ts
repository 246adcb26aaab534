import { describe, expect, it } from "vitest";
import { adjacency, parseGraph, reachesOutput, topology } from "../../src/graph/index.js";
import { builtinSimProfile, createSimWorld, equalBudgetCombinations, layeredGraph, PAPER_EDGE_PROBABILITY, randomGraph } from "../../src/sim/index.js";
import { Rng } from "../../src/util/rng.js";

const models = ["llama-1b", "llama-1b", "llama-1b", "llama-3b", "llama-3b", "llama-8b"];

describe("random graphs", () => {
  it("are valid DAGs in which every worker reaches the output, with the paper's roles", () => {
    let edges = 0;
    let pairs = 0;
    for (let i = 0; i < 300; i++) {
      const g = randomGraph(models, new Rng(3, "graphs", i));
      parseGraph(g, { models: ["llama-1b", "llama-3b", "llama-8b"] });
      expect(reachesOutput(adjacency(g), g.output).size).toBe(models.length);
      expect(g.nodes.map((n) => n.model).sort()).toEqual([...models].sort());
      const adj = adjacency(g);
      g.nodes.forEach((n, k) => {
        const ps = adj.preds[k]!.map((p) => g.nodes[p]!);
        const expected = ps.length > 0 && ps.every((p) => p.role === "assistant") ? "fuser" : "assistant";
        expect(n.role).toBe(expected);
      });
      edges += g.edges.length;
      pairs += (models.length * (models.length - 1)) / 2;
    }
    // Sparse, as the paper's sampler at initialisation, plus the edges that keep every worker useful.
    expect(edges / pairs).toBeGreaterThan(PAPER_EDGE_PROBABILITY);
    expect(edges / pairs).toBeLessThan(0.5);
  });

  it("with an output model, end in that model reading the workers, as the paper's final decision node", () => {
    for (let i = 0; i < 100; i++) {
      const g = randomGraph(models, new Rng(4, "graphs", i), 0.119, "llama-3b");
      parseGraph(g);
      const out = g.nodes.find((n) => n.id === g.output)!;
      expect(out).toMatchObject({ model: "llama-3b", role: "assistant" });
      expect(g.nodes).toHaveLength(models.length + 1);
      expect(reachesOutput(adjacency(g), g.output).size).toBe(models.length + 1);
    }
  });

  it("are the same for the same seed", () => {
    expect(randomGraph(models, new Rng(9, "x"))).toEqual(randomGraph(models, new Rng(9, "x")));
    expect(randomGraph(models, new Rng(9, "x"))).not.toEqual(randomGraph(models, new Rng(10, "x")));
  });
});

describe("layered graphs", () => {
  it("G(w, d) has d layers of w assistants, fused when w > 1", () => {
    const g = layeredGraph("llama-3b", 3, 4);
    const t = topology(g);
    expect(t.width).toBe(3);
    expect(t.depth).toBe(5);
    expect(g.nodes.filter((n) => n.role === "fuser").map((n) => n.id)).toEqual([g.output]);
    const chain = layeredGraph("llama-1b", 1, 6);
    expect(topology(chain)).toMatchObject({ width: 1, depth: 6 });
    expect(chain.nodes.every((n) => n.role === "assistant")).toBe(true);
  });
});

describe("equal-budget combinations", () => {
  it("are the paper's five at 9 units on MATH and three at 7 on HumanEval", () => {
    expect(equalBudgetCombinations(createSimWorld(builtinSimProfile("math"))).map((c) => c.label)).toEqual([
      "1xllama-8b",
      "3xllama-3b",
      "2xllama-3b + 3xllama-1b",
      "1xllama-3b + 6xllama-1b",
      "9xllama-1b",
    ]);
    expect(equalBudgetCombinations(createSimWorld(builtinSimProfile("humaneval"))).map((c) => c.label)).toEqual(["1xllama-8b", "1xllama-3b + 3xllama-1b", "7xllama-1b"]);
  });
});
