/**
 * Structural moves: graphs one step deeper than a given graph. Sampling a distribution centred on a
 * shallow graph rarely reaches a deeper one, since a new layer needs several factors to change
 * together (a node's role, its incoming edges, its inputs' edges to the output). These moves make
 * those joint changes, so a search can test "refinement pays" (Insight 2) with one proposal.
 *
 * - gather: some of the workers that answer into the output answer into another such worker
 *   instead, which reads them (as a fuser or an assistant) before the output does. The models stay
 *   the same, so the graph still fits the budget unless the longer context tips it over;
 * - insert: a new node between the workers (or some of them) and the output, only when fewer than
 *   two workers answer into the output and there is nothing to gather.
 */
import { graphHash } from "../graph/canonical.js";
import type { Graph, GraphNode, Role } from "../graph/schema.js";
import type { Rng } from "../util/rng.js";
import type { SearchSpace } from "./space.js";

export interface Move {
  kind: "gather" | "insert";
  graph: Graph;
}

/**
 * Up to `count` distinct deeper neighbours of `graph` that fit the space and its budget, drawn with
 * `rng`; fewer when the graph has too few workers answering into the output or no room is left.
 */
export function deeperNeighbours(space: SearchSpace, graph: Graph, rng: Rng, count: number): Move[] {
  const direct = graph.nodes.filter((n) => n.id !== graph.output && graph.edges.some(([a, b]) => a === n.id && b === graph.output));
  if (direct.length === 0) return [];
  const kind = direct.length >= 2 ? "gather" : "insert";
  const roles: Role[] = space.fuser ? ["fuser", "assistant"] : ["assistant"];
  const out: Move[] = [];
  const seen = new Set<string>([graphHash(graph)]);
  for (let tries = 0; out.length < count && tries < 12 * count; tries++) {
    let next: Graph;
    if (kind === "insert") next = insertNode(graph, direct, rng.pick(space.models), rng.pick(roles));
    else {
      const target = rng.pick(direct);
      next = gather(graph, nonEmptySubset(direct.filter((n) => n !== target), rng), target, rng.pick(roles));
    }
    const mapped = space.fromGraph(next);
    if (!("genome" in mapped)) continue;
    const g = space.toGraph(mapped.genome);
    const h = graphHash(g);
    if (seen.has(h) || !space.check(g).ok) continue;
    seen.add(h);
    out.push({ kind, graph: g });
  }
  return out;
}

/** A random non-empty subset of a non-empty list. */
function nonEmptySubset<T>(xs: readonly T[], rng: Rng): T[] {
  for (;;) {
    const s = xs.filter(() => rng.bernoulli(0.5));
    if (s.length > 0) return s;
  }
}

function gather(graph: Graph, fed: readonly GraphNode[], target: GraphNode, role: Role): Graph {
  const ids = new Set(fed.map((n) => n.id));
  const edges = graph.edges.filter(([a, b]) => !(ids.has(a) && b === graph.output));
  for (const id of ids) edges.push([id, target.id]);
  const nodes = graph.nodes.map((n) => (n.id === target.id ? { ...n, role } : n));
  return { ...graph, nodes, edges };
}

function insertNode(graph: Graph, fed: readonly GraphNode[], model: string, role: Role): Graph {
  const ids = new Set(fed.map((n) => n.id));
  let k = 0;
  while (graph.nodes.some((n) => n.id === `m${k}`)) k++;
  const id = `m${k}`;
  const edges = graph.edges.filter(([a, b]) => !(ids.has(a) && b === graph.output));
  for (const a of ids) edges.push([a, id]);
  edges.push([id, graph.output]);
  const nodes = [...graph.nodes.filter((n) => n.id !== graph.output), { id, role, model }, graph.nodes.find((n) => n.id === graph.output)!];
  return { ...graph, nodes, edges };
}
