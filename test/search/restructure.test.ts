import { describe, expect, it } from "vitest";
import { graphHash } from "../../src/graph/canonical.js";
import type { Graph } from "../../src/graph/schema.js";
import { topology } from "../../src/graph/topology.js";
import { lift, prune, stack, structuralNeighbours, widen } from "../../src/search/restructure.js";
import { Rng } from "../../src/util/rng.js";
import { simSetup } from "./helpers.js";

const fan = (workers: string[], out: string): Graph => ({
  version: 1,
  nodes: [...workers.map((model, i) => ({ id: `w${i}`, role: "assistant" as const, model })), { id: "out", role: "assistant", model: out }],
  edges: workers.map((_, i) => [`w${i}`, "out"] as [string, string]),
  output: "out",
});
const role = (g: Graph, id: string) => g.nodes.find((n) => n.id === id)?.role;

describe("structural moves", () => {
  const g = fan(["llama-8b", "llama-3b"], "llama-8b");

  it("lift: the old output condenses what it read and a new output reads it, one layer deeper", () => {
    const l = lift(g, "llama-8b", "fuser");
    expect(l.nodes).toHaveLength(4);
    expect(topology(l).depth).toBe(topology(g).depth + 1);
    const inner = l.edges.find(([, b]) => b === l.output)![0];
    expect(role(l, inner)).toBe("fuser");
    expect(l.edges.filter(([, b]) => b === inner)).toHaveLength(2);
  });

  it("stack: two copies of the graph, each ending in a fuser, fused by a new output", () => {
    const s = stack(g);
    expect(s.nodes).toHaveLength(2 * g.nodes.length + 1);
    expect(topology(s).depth).toBe(topology(g).depth + 1);
    const tops = s.edges.filter(([, b]) => b === s.output).map(([a]) => a);
    expect(tops).toHaveLength(2);
    for (const t of tops) expect(role(s, t)).toBe("fuser");
    expect(role(s, s.output)).toBe("fuser");
  });

  it("widen copies an input of the output with everything it reads; prune removes a worker", () => {
    const deep = stack(g);
    const top = deep.edges.find(([, b]) => b === deep.output)![0];
    const w = widen(deep, top);
    expect(w.nodes).toHaveLength(deep.nodes.length + 3);
    expect(w.edges.filter(([, b]) => b === w.output)).toHaveLength(3);
    const p = prune(g, "w1");
    expect(p.nodes.map((n) => n.id)).toEqual(["w0", "out"]);
    expect(p.edges).toEqual([["w0", "out"]]);
  });

  it("neighbours are distinct, fit the budget (repaired by dropping the smallest workers), and repeat for a seed", () => {
    const space = simSetup({ task: "sim:humaneval", budget: 80 }).space;
    const wide = fan(["llama-8b", "llama-8b", "llama-3b"], "llama-8b");
    const moves = structuralNeighbours(space, wide, new Rng(7, "t"), 24);
    expect(moves.length).toBeGreaterThan(10);
    expect(new Set(moves.map((m) => graphHash(m.graph))).size).toBe(moves.length);
    for (const m of moves) expect(space.check(m.graph).ok).toBe(true);
    const kinds = new Set(moves.map((m) => m.kind));
    for (const k of ["gather", "lift", "stack", "widen", "swap", "prune"]) expect(kinds).toContain(k);
    // Two copies of this fan-in are over 80 units: the repair keeps a fused pair of smaller copies.
    const stacked = moves.find((m) => m.kind === "stack")!;
    expect(topology(stacked.graph).depth).toBe(3);
    expect(structuralNeighbours(space, wide, new Rng(7, "t"), 24)).toEqual(moves);
  });
});
