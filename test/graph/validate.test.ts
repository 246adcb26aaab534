import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dropUnreachable, parseGraph, safeParseGraph, topology, validateGraph, type Graph } from "../../src/graph/index.js";
import { GraphValidationError } from "../../src/errors.js";
import { dagArb, MODELS } from "../helpers/arbitraries.js";

const fanIn: Graph = {
  version: 1,
  nodes: [
    { id: "a", role: "assistant", model: "llama-1b" },
    { id: "b", role: "assistant", model: "llama-1b" },
    { id: "f", role: "fuser", model: "llama-3b" },
  ],
  edges: [
    ["a", "f"],
    ["b", "f"],
  ],
  output: "f",
};

const codes = (g: unknown, models?: string[]) => {
  const r = safeParseGraph(g, models ? { models } : {});
  return r.success ? r.warnings.map((w) => w.code) : r.issues.map((i) => i.code);
};

describe("graph validation", () => {
  it("accepts every generated DAG", () => {
    fc.assert(
      fc.property(dagArb, (g) => {
        const r = safeParseGraph(g, { models: MODELS });
        expect(r.success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects every generated DAG with an injected cycle", () => {
    fc.assert(
      fc.property(
        dagArb.filter((g) => g.nodes.length >= 2),
        fc.nat(),
        fc.nat(),
        (g, x, y) => {
          // Any back edge from a later node to an earlier one closes a cycle once we also add the forward path.
          const n = g.nodes.length;
          const i = x % (n - 1);
          const j = i + 1 + (y % (n - 1 - i));
          const a = g.nodes[i]!.id;
          const b = g.nodes[j]!.id;
          const edges: [string, string][] = [...g.edges.filter(([p, q]) => !(p === b && q === a)), [a, b], [b, a]];
          const r = safeParseGraph({ ...g, output: g.nodes[n - 1]!.id, edges });
          expect(r.success).toBe(false);
          if (!r.success) expect(r.issues.some((issue) => issue.code === "cycle" || issue.code === "output_has_successors")).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("names the cycle", () => {
    const g = { ...fanIn, nodes: [...fanIn.nodes, { id: "c", role: "assistant", model: "llama-1b" }], edges: [...fanIn.edges, ["a", "c"], ["c", "b"], ["b", "a"]] };
    const r = safeParseGraph(g);
    expect(r.success).toBe(false);
    const cycle = !r.success && r.issues.find((i) => i.code === "cycle");
    expect(cycle && cycle.message).toMatch(/a -> c -> b -> a|b -> a -> c -> b|c -> b -> a -> c/);
  });

  it("reports duplicate ids, dangling edges, unknown models, unknown output and inputless fusers", () => {
    expect(codes({ ...fanIn, nodes: [...fanIn.nodes, { id: "a", role: "assistant", model: "llama-1b" }] })).toContain("duplicate_node");
    expect(codes({ ...fanIn, edges: [...fanIn.edges, ["zz", "f"]] })).toContain("dangling_edge");
    expect(codes(fanIn, ["llama-1b"])).toContain("unknown_model");
    expect(codes({ ...fanIn, output: "nope" })).toContain("unknown_output");
    expect(codes({ ...fanIn, nodes: [...fanIn.nodes, { id: "lonely", role: "fuser", model: "llama-1b" }], edges: [...fanIn.edges, ["lonely", "f"]] })).toContain("fuser_without_input");
    expect(codes({ ...fanIn, edges: [...fanIn.edges, ["a", "a"]] })).toContain("self_loop");
  });

  it("names the field of schema problems", () => {
    const r = safeParseGraph({ version: 1, nodes: [{ id: "a", role: "boss", model: "m" }], edges: [], output: "a" });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.issues[0]!.path).toBe("nodes[0].role");
    expect(() => parseGraph({ nodes: [] }, { source: "g.json" })).toThrow(GraphValidationError);
  });

  it("reports unreachable nodes as warnings and drops them on request", () => {
    const g = { ...fanIn, nodes: [...fanIn.nodes, { id: "idle", role: "assistant" as const, model: "llama-8b" }] };
    expect(codes(g)).toEqual(["unreachable"]);
    const dropped = dropUnreachable(g);
    expect(dropped.nodes.map((n) => n.id)).toEqual(["a", "b", "f"]);
    expect(validateGraph(dropped)).toEqual([]);
  });
});

describe("topology", () => {
  it("computes levels, width, depth and in-degree", () => {
    const t = topology(fanIn);
    expect(t.levels).toEqual([["a", "b"], ["f"]]);
    expect(t.width).toBe(2);
    expect(t.depth).toBe(2);
    expect(t.inDegree).toEqual({ a: 0, b: 0, f: 2 });
  });

  it("puts every node after its predecessors", () => {
    fc.assert(
      fc.property(dagArb, (g) => {
        const t = topology(g);
        const pos = new Map(t.order.map((id, i) => [id, i]));
        for (const [a, b] of g.edges) expect(pos.get(a)!).toBeLessThan(pos.get(b)!);
        expect(t.levels.flat().length).toBe(g.nodes.length);
        expect(t.depth).toBeLessThanOrEqual(g.nodes.length);
      }),
    );
  });
});
