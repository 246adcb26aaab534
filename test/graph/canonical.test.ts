import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalGraph, graphHash, type Graph } from "../../src/graph/index.js";
import { dagArb, relabel } from "../helpers/arbitraries.js";

const permArb = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

describe("canonical hash", () => {
  it("is invariant under renaming nodes and reordering nodes and edges", () => {
    fc.assert(
      fc.property(
        dagArb.chain((g) =>
          fc.tuple(
            fc.constant(g),
            fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), { minLength: g.nodes.length, maxLength: g.nodes.length }),
            permArb(g.nodes.length),
            permArb(g.edges.length),
          ),
        ),
        ([g, names, np, ep]) => {
          const h = relabel(g, names, np, ep);
          expect(graphHash(h)).toBe(graphHash(g));
          expect(canonicalGraph(h)).toEqual(canonicalGraph(g));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("differs when a model, a role, an edge or the output changes", () => {
    const base: Graph = {
      version: 1,
      nodes: [
        { id: "a", role: "assistant", model: "llama-1b" },
        { id: "b", role: "assistant", model: "llama-1b" },
        { id: "c", role: "fuser", model: "llama-3b" },
      ],
      edges: [
        ["a", "c"],
        ["b", "c"],
      ],
      output: "c",
    };
    const h = graphHash(base);
    expect(graphHash({ ...base, nodes: base.nodes.map((n) => (n.id === "a" ? { ...n, model: "llama-3b" } : n)) })).not.toBe(h);
    expect(graphHash({ ...base, nodes: base.nodes.map((n) => (n.id === "c" ? { ...n, role: "assistant" } : n)) })).not.toBe(h);
    expect(graphHash({ ...base, edges: [...base.edges, ["a", "b"]] })).not.toBe(h);
    expect(graphHash({ ...base, edges: [["a", "c"]] })).not.toBe(h);
  });

  it("stays fast on many identical parallel nodes", () => {
    const n = 40;
    const nodes = Array.from({ length: n }, (_, i) => ({ id: `w${i}`, role: "assistant" as const, model: "llama-1b" }));
    const g: Graph = { version: 1, nodes: [...nodes, { id: "out", role: "fuser", model: "llama-3b" }], edges: nodes.map((x) => [x.id, "out"] as [string, string]), output: "out" };
    expect(graphHash(g)).toMatch(/^[0-9a-f]{16}$/);
  });

  it("distinguishes non-isomorphic graphs that colour refinement alone cannot", () => {
    // Two 6-cycles worth of structure as DAGs: a 'ladder' vs a 'twisted ladder' over identical nodes.
    const mk = (edges: [number, number][]): Graph => ({
      version: 1,
      nodes: [...Array.from({ length: 6 }, (_, i) => ({ id: `x${i}`, role: "assistant" as const, model: "m" })), { id: "o", role: "assistant", model: "m" }],
      edges: [...edges.map(([a, b]) => [`x${a}`, `x${b}`] as [string, string]), ...[3, 4, 5].map((i) => [`x${i}`, "o"] as [string, string])],
      output: "o",
    });
    const ladder = mk([[0, 3], [1, 4], [2, 5], [0, 4], [1, 5], [2, 3]]);
    const other = mk([[0, 3], [1, 4], [2, 5], [0, 4], [1, 3], [2, 5]]);
    expect(graphHash(ladder)).not.toBe(graphHash(other));
  });
});
