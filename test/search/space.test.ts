import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAPER_MODELS, PAPER_TASKS } from "../../src/cost/paper.js";
import { findCycle, adjacency, safeParseGraph } from "../../src/graph/index.js";
import { ProbGraph } from "../../src/search/distribution.js";
import { SearchSpace, parseSlotId, slotId, type Genome } from "../../src/search/space.js";
import { Rng } from "../../src/util/rng.js";

const llama = PAPER_MODELS.filter((m) => m.family === "llama");

function space(budget: number, options: ConstructorParameters<typeof SearchSpace>[3] = {}): SearchSpace {
  return new SearchSpace(llama, { tokens: PAPER_TASKS.math! }, { limit: budget, unit: "units" }, options);
}

describe("search space", () => {
  it("keeps only models that fit the budget and as many slots as fit", () => {
    const s = space(18);
    expect(s.models).toEqual(["llama-1b", "llama-3b", "llama-8b"]);
    expect(s.outModels).toEqual(["llama-1b", "llama-3b", "llama-8b"]);
    // 70B alone costs about 69 units, which fits at 80 but not at 18.
    expect(space(80).outModels).toContain("llama-70b");
    expect(s.slots).toBeGreaterThan(4);
    expect(s.slots).toBeLessThanOrEqual(12);
    // The cheapest full fan-in of that many 1B workers fits; one more does not.
    const g = s.emptyGenome("llama-1b");
    for (let i = 0; i < s.slots; i++) {
      g.models[i] = "llama-1b";
      g.toOut[i] = true;
    }
    expect(s.check(s.toGraph(g)).ok).toBe(true);
    expect(space(18, { maxSlots: 3 }).slots).toBe(3);
  });

  it("refuses a budget below the cheapest single call", () => {
    expect(() => space(0.5)).toThrow(/below the cost of a single call/);
  });

  it("maps edge indices and pairs one to one", () => {
    const s = space(18);
    const seen = new Set<number>();
    for (let i = 0; i < s.slots; i++)
      for (let j = i + 1; j < s.slots; j++) {
        const k = s.edgeIndex(i, j);
        expect(s.edgePair(k)).toEqual([i, j]);
        seen.add(k);
      }
    expect(seen.size).toBe(s.edgeCount);
    expect(parseSlotId(slotId(7))).toBe(7);
    expect(parseSlotId("out")).toBe(-1);
    expect(parseSlotId("x3")).toBeUndefined();
  });

  it("normalises: unreachable slots off, fusers without an assistant input become assistants", () => {
    const s = space(18);
    const g: Genome = s.emptyGenome("llama-3b");
    g.models[0] = "llama-1b"; // feeds w1 only
    g.models[1] = "llama-1b"; // fuser fed by an assistant: stays a fuser
    g.roles[1] = "fuser";
    g.models[2] = "llama-3b"; // fuser with no inputs: becomes an assistant
    g.roles[2] = "fuser";
    g.models[3] = "llama-8b"; // no path to the output: switched off
    g.edges[s.edgeIndex(0, 1)] = true;
    g.toOut[1] = true;
    g.toOut[2] = true;
    g.outRole = "fuser";
    const n = s.normalise(g);
    expect(n.models.slice(0, 4)).toEqual(["llama-1b", "llama-1b", "llama-3b", null]);
    expect(n.roles.slice(0, 3)).toEqual(["assistant", "fuser", "assistant"]);
    // The output's inputs are a fuser and an assistant, so it may fuse.
    expect(n.outRole).toBe("fuser");
    const graph = s.toGraph(g);
    expect(graph.nodes.map((x) => x.id)).toEqual(["w0", "w1", "w2", "out"]);
    expect(safeParseGraph(graph).success).toBe(true);
    // Without the fuser role every node is an assistant.
    const nf = new SearchSpace(llama, { tokens: PAPER_TASKS.math! }, { limit: 18, unit: "units" }, { fuser: false }).normalise(g);
    expect(nf.roles.every((r) => r === "assistant") && nf.outRole === "assistant").toBe(true);
  });

  it("repairs over-budget genomes by dropping the smallest model first, or rejects them", () => {
    const s = space(18);
    const g = s.emptyGenome("llama-1b");
    g.models[0] = "llama-8b";
    g.models[1] = "llama-1b";
    g.models[2] = "llama-3b";
    g.models[3] = "llama-1b";
    g.models[4] = "llama-3b";
    for (let i = 0; i < 5; i++) g.toOut[i] = true;
    expect(s.check(s.toGraph(g)).ok).toBe(false);
    expect(s.realise(g, new Rng(0), "reject")).toBeNull();
    const r = s.realise(g, new Rng(0), "drop-smallest")!;
    expect(r.check.ok).toBe(true);
    expect(r.dropped).toBeGreaterThan(0);
    // The 1B workers go before the 3B and the 8B.
    const left = r.graph.nodes.filter((n) => n.id !== "out").map((n) => n.model);
    expect(left.sort()).toEqual(["llama-3b", "llama-3b", "llama-8b"]);
  });

  it("maps graphs onto slots and back", () => {
    const s = space(18);
    const graph = {
      version: 1 as const,
      nodes: [
        { id: "b", role: "fuser" as const, model: "llama-3b" },
        { id: "a", role: "assistant" as const, model: "llama-1b" },
        { id: "o", role: "assistant" as const, model: "llama-3b" },
      ],
      edges: [
        ["a", "b"],
        ["b", "o"],
      ] as [string, string][],
      output: "o",
    };
    const m = s.fromGraph(graph);
    expect("genome" in m).toBe(true);
    if ("genome" in m) {
      const back = s.toGraph(m.genome);
      expect(back.nodes.map((n) => `${n.id}:${n.model}:${n.role}`)).toEqual(["w0:llama-1b:assistant", "w1:llama-3b:fuser", "out:llama-3b:assistant"]);
      expect(back.edges).toEqual([
        ["w0", "w1"],
        ["w1", "out"],
      ]);
    }
    const bad = s.fromGraph({ ...graph, nodes: graph.nodes.map((n) => (n.id === "a" ? { ...n, model: "llama-70b" } : n)) });
    expect("problems" in bad && bad.problems.join(" ")).toMatch(/llama-70b/);
  });

  it("every realised sample is a valid DAG within the budget (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 90 }), fc.integer({ min: 0, max: 1e6 }), fc.constantFrom("math", "mmlu", "humaneval"), fc.boolean(), (budget, seed, task, fuser) => {
        const s = new SearchSpace(llama, { tokens: PAPER_TASKS[task]! }, { limit: budget, unit: "units" }, { fuser });
        const d = ProbGraph.init(s, { edgeProb: 0.5 });
        const rng = new Rng(seed);
        for (let k = 0; k < 5; k++) {
          const r = s.realise(d.sample(rng), rng)!;
          expect(r.check.ok).toBe(true);
          expect(findCycle(adjacency(r.graph))).toBeNull();
          const parsed = safeParseGraph(r.graph, { models: llama.map((m) => m.id) });
          expect(parsed.success).toBe(true);
          if (!fuser) expect(r.graph.nodes.every((n) => n.role === "assistant")).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
