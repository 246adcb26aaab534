/**
 * Running a graph does not depend on how it is written down: renaming nodes and reordering nodes
 * and edges gives the same trace (up to node names), on the simulator reached through the provider
 * interface.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createExecContext } from "../../src/exec/context.js";
import { runGraph } from "../../src/exec/run.js";
import type { Trace } from "../../src/exec/types.js";
import type { Graph } from "../../src/graph/schema.js";
import { resolvePool, resolveProviders, resolveTask } from "../../src/resolve.js";
import { dagArb, relabel } from "../helpers/arbitraries.js";

const task = resolveTask("sim:math", { seed: 0 });
const loaded = resolvePool("sim:mixed");
const ctx = createExecContext({ task, models: loaded.pool.models, providers: resolveProviders(loaded, { task }), seed: 5 });
const items = task.items("search").slice(0, 3);

/** What a trace says, without node names: per node its model, role, sample index, answer and tokens. */
function shape(t: Trace): unknown {
  const nodes = t.nodes.map((n) => [n.model, n.role, n.isOutput, n.sampleIndex, n.answer, n.promptTokens, n.completionTokens, n.latencyMs].join("|")).sort();
  return { nodes, answer: t.answer, correct: t.correct, flops: t.flops, latencyMs: t.latencyMs };
}

describe("runGraph is invariant under renaming and reordering", () => {
  it("gives identical twins with different successors the same sample indices whatever the file order", async () => {
    const graph = (order: string[]): Graph => {
      const nodes: Record<string, Graph["nodes"][number]> = {
        s1: { id: "s1", role: "assistant", model: "llama-1b" },
        s2: { id: "s2", role: "assistant", model: "llama-1b" },
        mid: { id: "mid", role: "assistant", model: "llama-3b" },
        out: { id: "out", role: "fuser", model: "llama-8b" },
      };
      return { version: 1, nodes: order.map((id) => nodes[id]!), edges: [["s1", "out"], ["s2", "mid"], ["mid", "out"]], output: "out" };
    };
    const a = graph(["s1", "s2", "mid", "out"]);
    const b = graph(["s2", "s1", "mid", "out"]);
    let differs = 0;
    for (const item of task.items("search").slice(0, 40)) {
      const [ta, tb] = await Promise.all([runGraph(a, item, ctx), runGraph(b, item, ctx)]);
      const idx = (t: Trace) => t.nodes.map((n) => `${n.id}:${n.sampleIndex}`).sort();
      expect(idx(tb)).toEqual(idx(ta));
      expect(shape(tb)).toEqual(shape(ta));
      if (ta.nodes.find((n) => n.id === "s1")!.answer !== ta.nodes.find((n) => n.id === "s2")!.answer) differs++;
    }
    // The twins' samples do differ on some items, so which twin gets which sample matters.
    expect(differs).toBeGreaterThan(0);
  });

  it("gives the same traces for a relabelled graph", async () => {
    await fc.assert(
      fc.asyncProperty(
        dagArb.chain((g) =>
          fc.record({
            g: fc.constant(g),
            nodePerm: fc.shuffledSubarray([...g.nodes.keys()], { minLength: g.nodes.length, maxLength: g.nodes.length }),
            edgePerm: fc.shuffledSubarray([...g.edges.keys()], { minLength: g.edges.length, maxLength: g.edges.length }),
          }),
        ),
        async ({ g, nodePerm, edgePerm }) => {
          // References reach a node in edge order, so only permutations that keep each node's
          // incoming edges in the same relative order leave its prompt unchanged.
          const incomingOrder = (edges: [string, string][], rename: (s: string) => string) => {
            const m = new Map<string, string[]>();
            for (const [a, b] of edges) (m.get(rename(b)) ?? m.set(rename(b), []).get(rename(b))!).push(rename(a));
            return m;
          };
          const names = g.nodes.map((_, i) => `r${(i * 7 + 3) % 97}x${i}`);
          const h = relabel(g, names, nodePerm, edgePerm);
          const rename = new Map(g.nodes.map((n, i) => [n.id, names[i]!]));
          const before = incomingOrder(g.edges, (s) => rename.get(s)!);
          const after = incomingOrder(h.edges, (s) => s);
          fc.pre([...before].every(([k, v]) => JSON.stringify(after.get(k)) === JSON.stringify(v)));
          for (const item of items) {
            const [a, b] = await Promise.all([runGraph(g, item, ctx, { keepPrompts: false }), runGraph(h, item, ctx, { keepPrompts: false })]);
            expect(shape(b)).toEqual(shape(a));
          }
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });
});
