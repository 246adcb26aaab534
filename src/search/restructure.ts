/**
 * Structural neighbours of a graph, the vocabulary a search uses to grow hierarchical fusion
 * one step at a time. Fusion graphs that win at large budgets are trees: several small
 * collaborations, each condensed by a fuser, fused again. From a fan-in, no single factor of the
 * probabilistic graph leads there (a fuser mid-node needs a role, its inputs' edges and its own
 * edge to the output to change together), so these moves make the joint changes:
 *
 * - lift: the current output becomes a fuser of what it read, and a new output node reads it
 *   (one more refinement step over the whole graph);
 * - stack: two copies of the graph, each ending in a fuser, read by a new output node (the graph
 *   sampled twice and fused: self-consistency one level up);
 * - widen: one input of the output, with everything it reads, is copied (a wider top layer);
 * - swap: one node changes its model, or its role (the other half of every move above: a bigger or
 *   smaller fuser, a writer turned condenser);
 * - prune: one worker that reads nothing is removed (room for the moves above).
 *
 * Every neighbour is mapped onto the space's slots and checked against the budget.
 */
import { graphHash } from "../graph/canonical.js";
import type { Graph, GraphNode, Role } from "../graph/schema.js";
import type { Rng } from "../util/rng.js";
import { deeperNeighbours } from "./moves.js";
import type { SearchSpace } from "./space.js";

export type RestructureKind = "gather" | "insert" | "lift" | "stack" | "widen" | "swap" | "prune";

export interface Restructured {
  kind: RestructureKind;
  graph: Graph;
}

const KINDS: readonly Exclude<RestructureKind, "gather" | "insert">[] = ["lift", "stack", "widen", "swap", "prune"];

/**
 * Up to `count` distinct structural neighbours of `graph` that fit the space and its budget, drawn
 * with `rng`: the deeper moves of ./moves.ts, then each kind above in turn.
 */
export function structuralNeighbours(space: SearchSpace, graph: Graph, rng: Rng, count: number): Restructured[] {
  const out: Restructured[] = [];
  const seen = new Set<string>([graphHash(graph)]);
  const keep = (kind: RestructureKind, g: Graph | undefined): void => {
    if (!g || out.length >= count) return;
    const mapped = space.fromGraph(g);
    if (!("genome" in mapped)) return;
    // Over budget, the space's repair drops the smallest workers first: two copies of a graph that
    // fills the budget become two copies of its strongest part.
    const next = space.realise(mapped.genome, rng, "drop-smallest")?.graph;
    if (!next) return;
    const h = graphHash(next);
    if (seen.has(h)) return;
    seen.add(h);
    out.push({ kind, graph: next });
  };
  for (const m of deeperNeighbours(space, graph, rng, Math.max(1, Math.ceil(count / 4)))) keep(m.kind, m.graph);
  for (let tries = 0; out.length < count && tries < 6 * count; tries++) {
    const kind = KINDS[tries % KINDS.length]!;
    keep(kind, restructure(space, graph, kind, rng));
  }
  return out;
}

function restructure(space: SearchSpace, graph: Graph, kind: (typeof KINDS)[number], rng: Rng): Graph | undefined {
  const out = graph.nodes.find((n) => n.id === graph.output)!;
  switch (kind) {
    case "lift":
      return lift(graph, rng.pick(space.outModels.includes(out.model) && rng.bernoulli(0.5) ? [out.model] : space.outModels), rng.pick(roles(space)));
    case "stack":
      return stack(graph);
    case "widen": {
      const inputs = graph.edges.filter(([, b]) => b === graph.output).map(([a]) => a);
      return inputs.length === 0 ? undefined : widen(graph, rng.pick(inputs));
    }
    case "swap":
      return swap(space, graph, rng);
    case "prune": {
      const leaves = graph.nodes.filter((n) => n.id !== graph.output && !graph.edges.some(([, b]) => b === n.id));
      return leaves.length === 0 ? undefined : prune(graph, rng.pick(leaves).id);
    }
  }
}

function roles(space: SearchSpace): Role[] {
  return space.fuser ? ["fuser", "assistant"] : ["assistant"];
}

/** The role a node takes when it stops being the output: a fuser of what it read, when it reads anything. */
function condensed(graph: Graph, n: GraphNode): Role {
  return graph.edges.some(([, b]) => b === n.id) ? "fuser" : n.role;
}

function freshId(taken: ReadonlySet<string>, base: string): string {
  let k = 0;
  while (taken.has(`${base}${k}`)) k++;
  return `${base}${k}`;
}

/** A new output node reading the old one, which condenses what it read. */
export function lift(graph: Graph, model: string, role: Role): Graph {
  const id = freshId(new Set(graph.nodes.map((n) => n.id)), "l");
  const nodes = graph.nodes.map((n) => (n.id === graph.output ? { ...n, id, role: condensed(graph, n) } : n));
  const rename = (x: string) => (x === graph.output ? id : x);
  const edges: [string, string][] = graph.edges.map(([a, b]) => [rename(a), rename(b)]);
  edges.push([id, graph.output]);
  return { ...graph, nodes: [...nodes, { id: graph.output, role, model }], edges };
}

/** Two copies of the graph, each ending in a fuser, read by a new output node of the old output's model. */
export function stack(graph: Graph): Graph {
  const out = graph.nodes.find((n) => n.id === graph.output)!;
  if (graph.nodes.length < 2) return { ...graph, nodes: [{ ...out, id: "s0" }, { ...out, id: "s1" }, { ...out, role: "fuser" }], edges: [["s0", graph.output], ["s1", graph.output]] };
  const nodes: GraphNode[] = [];
  const edges: [string, string][] = [];
  for (const c of ["a", "b"]) {
    const id = (x: string) => `${x}${c}`;
    for (const n of graph.nodes) nodes.push({ ...n, id: id(n.id), role: n.id === graph.output ? condensed(graph, n) : n.role });
    for (const [a, b] of graph.edges) edges.push([id(a), id(b)]);
    edges.push([id(graph.output), graph.output]);
  }
  nodes.push({ ...out, role: "fuser" });
  return { ...graph, nodes, edges };
}

/** The ancestors of a node (itself included). */
function ancestors(graph: Graph, id: string): Set<string> {
  const seen = new Set<string>([id]);
  const stackIds = [id];
  while (stackIds.length > 0) {
    const v = stackIds.pop()!;
    for (const [a, b] of graph.edges) {
      if (b !== v || seen.has(a)) continue;
      seen.add(a);
      stackIds.push(a);
    }
  }
  return seen;
}

/** A copy of `input` and everything it reads, answering into the output beside the original. */
export function widen(graph: Graph, input: string): Graph {
  const part = ancestors(graph, input);
  const taken = new Set(graph.nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  for (const id of part) {
    const fresh = freshId(taken, "c");
    taken.add(fresh);
    rename.set(id, fresh);
  }
  const copies = graph.nodes.filter((n) => part.has(n.id)).map((n) => ({ ...n, id: rename.get(n.id)! }));
  const copiedEdges = graph.edges.filter(([a, b]) => part.has(a) && part.has(b)).map(([a, b]) => [rename.get(a)!, rename.get(b)!] as [string, string]);
  const outNode = graph.nodes.find((n) => n.id === graph.output)!;
  const nodes = [...graph.nodes.filter((n) => n.id !== graph.output), ...copies, outNode];
  return { ...graph, nodes, edges: [...graph.edges, ...copiedEdges, [rename.get(input)!, graph.output]] };
}

/** One node with another model (of those its place can hold) or, when it reads anything, the other role. */
function swap(space: SearchSpace, graph: Graph, rng: Rng): Graph | undefined {
  const n = rng.pick(graph.nodes);
  const reads = graph.edges.some(([, b]) => b === n.id);
  if (reads && space.fuser && rng.bernoulli(0.5)) return { ...graph, nodes: graph.nodes.map((x) => (x === n ? { ...x, role: x.role === "fuser" ? "assistant" : "fuser" } : x)) };
  const choices = (n.id === graph.output ? space.outModels : space.models).filter((m) => m !== n.model);
  if (choices.length === 0) return undefined;
  const model = rng.pick(choices);
  return { ...graph, nodes: graph.nodes.map((x) => (x === n ? { ...x, model } : x)) };
}

/** The graph without one worker that reads nothing. */
export function prune(graph: Graph, id: string): Graph {
  return { ...graph, nodes: graph.nodes.filter((n) => n.id !== id), edges: graph.edges.filter(([a, b]) => a !== id && b !== id) };
}
