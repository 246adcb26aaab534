/** fast-check generators of graphs. */
import fc from "fast-check";
import type { Graph } from "../../src/graph/index.js";

export const MODELS = ["llama-1b", "llama-3b", "llama-8b", "gemma-2b"];

/**
 * A random DAG: nodes in a random order, edges only from earlier to later nodes (so acyclic), the
 * last node the output, and every fuser given at least one input.
 */
export const dagArb: fc.Arbitrary<Graph> = fc
  .integer({ min: 1, max: 9 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      models: fc.array(fc.constantFrom(...MODELS), { minLength: n, maxLength: n }),
      roles: fc.array(fc.constantFrom("assistant" as const, "fuser" as const), { minLength: n, maxLength: n }),
      edges: fc.array(fc.boolean(), { minLength: (n * (n - 1)) / 2, maxLength: (n * (n - 1)) / 2 }),
    }),
  )
  .map(({ n, models, roles, edges }) => {
    const ids = Array.from({ length: n }, (_, i) => `v${i}`);
    const e: [string, string][] = [];
    let k = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (edges[k++]) e.push([ids[i]!, ids[j]!]);
    const nodes = ids.map((id, i) => {
      const hasPred = e.some(([, b]) => b === id);
      return { id, role: roles[i] === "fuser" && hasPred ? ("fuser" as const) : ("assistant" as const), model: models[i]! };
    });
    return { version: 1 as const, nodes, edges: e, output: ids[n - 1]! };
  });

/** Rename every node and shuffle node and edge order. */
export function relabel(graph: Graph, names: string[], nodePerm: number[], edgePerm: number[]): Graph {
  const rename = new Map(graph.nodes.map((n, i) => [n.id, names[i]!]));
  const nodes = nodePerm.map((i) => ({ ...graph.nodes[i]!, id: rename.get(graph.nodes[i]!.id)! }));
  const edges = edgePerm.map((i) => graph.edges[i]!).map(([a, b]) => [rename.get(a)!, rename.get(b)!] as [string, string]);
  return { ...graph, nodes, edges, output: rename.get(graph.output)! };
}
