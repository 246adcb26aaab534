import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { topology, type Graph } from "../../src/graph/index.js";
import { drawGraph, layoutGraph } from "../../src/report/graph-svg.js";
import { dagArb } from "../helpers/arbitraries.js";

const W = 168;
const H = 46;

describe("graph drawing", () => {
  it("places every node once, one column per topological level, edges left to right, no boxes overlapping", () => {
    fc.assert(
      fc.property(dagArb, (g: Graph) => {
        const { pos, width, height } = layoutGraph(g);
        const { levels } = topology(g);
        expect(pos.size).toBe(g.nodes.length);
        levels.forEach((level) => expect(new Set(level.map((id) => pos.get(id)!.x)).size).toBe(1));
        for (const [a, b] of g.edges) expect(pos.get(a)!.x).toBeLessThan(pos.get(b)!.x);
        const boxes = [...pos.values()];
        for (const p of boxes) {
          expect(p.x).toBeGreaterThanOrEqual(0);
          expect(p.y).toBeGreaterThanOrEqual(0);
          expect(p.x + W).toBeLessThanOrEqual(width);
          expect(p.y + H).toBeLessThanOrEqual(height);
        }
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) {
            const [p, q] = [boxes[i]!, boxes[j]!];
            expect(p.x + W <= q.x || q.x + W <= p.x || p.y + H <= q.y || q.y + H <= p.y).toBe(true);
          }
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it("draws a box per node labelled with its role and model, an arrow per edge, and marks the output", () => {
    fc.assert(
      fc.property(dagArb, (g: Graph) => {
        const { svg } = drawGraph(g, "t");
        expect((svg.match(/<g class="node"/g) ?? []).length).toBe(g.nodes.length);
        expect((svg.match(/class="edge"/g) ?? []).length).toBe(new Set(g.edges.map(([a, b]) => `${a}>${b}`)).size);
        for (const n of g.nodes) expect(svg).toContain(`<title>${n.id} · ${n.role}${n.id === g.output ? " (output)" : ""}: ${n.model}</title>`);
        expect((svg.match(/\(output\)/g) ?? []).length).toBe(2);
      }),
      { numRuns: 100, seed: 11 },
    );
  });

  it("escapes labels", () => {
    const g: Graph = { version: 1, nodes: [{ id: "a", role: "assistant", model: 'm<"x">&' }], edges: [], output: "a" };
    const { svg } = drawGraph(g);
    expect(svg).toContain("m&lt;&quot;x&quot;&gt;&amp;");
    expect(svg).not.toContain('m<"x">');
  });
});
