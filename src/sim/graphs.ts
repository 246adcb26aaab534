/**
 * Graph families the simulator's calibration and insights are measured on.
 *
 * Random graphs follow the paper's sampler with untrained logits (paper-digest §1.2, §2):
 * 1. the model multiset's nodes are put in a uniformly random order;
 * 2. each forward edge (earlier -> later) is drawn with probability p (sigmoid(-2) = 0.119 by
 *    default, the paper's edge probability at initialisation), so the graph is acyclic;
 * 3. the output: with an output model (the paper's fixed "final decision" node, LLaMA-3B), one more
 *    node after all workers, an assistant that reads the workers it has edges from (each worker's
 *    edge to it drawn with the same p); without one, the last worker;
 * 4. every node other than the output left without a successor gets one edge to a uniformly chosen
 *    later node (the output included), so every worker runs and the multiset's whole budget is spent
 *    (the paper runs only nodes that reach its output; here the comparison is "at equal budget");
 * 5. roles by the paper's rule, in order: a worker with no predecessors is an assistant; one whose
 *    predecessors are all assistants is a fuser; one with a fuser predecessor is an assistant.
 *
 * Layered graphs G(w, d) are the width/depth probes: d layers of w assistants, each layer reading
 * every node of the layer before, and, when w > 1, one fuser reading the last layer as the output.
 * G(w, 1) is w parallel answers fused; G(1, d) is a refinement chain of d calls.
 */
import type { Graph, GraphNode } from "../graph/schema.js";
import type { Rng } from "../util/rng.js";

/** The paper's edge probability at initialisation: sigmoid(0 - 2). */
export const PAPER_EDGE_PROBABILITY = 1 / (1 + Math.exp(2));

/** A random collaboration graph over a model multiset (one model id per worker), optionally ending in a fixed output model. */
export function randomGraph(models: readonly string[], rng: Rng, edgeProbability = PAPER_EDGE_PROBABILITY, outputModel?: string): Graph {
  const order = rng.shuffle(models);
  if (outputModel !== undefined) order.push(outputModel);
  const n = order.length;
  const ids = order.map((_, i) => (outputModel !== undefined && i === n - 1 ? "final" : `n${i + 1}`));
  const preds: number[][] = order.map(() => []);
  const hasSucc = new Array<boolean>(n).fill(false);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (rng.next() < edgeProbability) {
        preds[j]!.push(i);
        hasSucc[i] = true;
      }
    }
  }
  for (let i = 0; i < n - 1; i++) {
    if (!hasSucc[i]) {
      const j = i + 1 + rng.int(n - 1 - i);
      preds[j]!.push(i);
      preds[j]!.sort((a, b) => a - b);
    }
  }
  const roles = paperRoles(preds);
  // The paper's final decision node synthesises its inputs with the assistant's prompt.
  if (outputModel !== undefined) roles[n - 1] = "assistant";
  const nodes: GraphNode[] = order.map((model, i) => ({ id: ids[i]!, role: roles[i]!, model }));
  const edges: [string, string][] = [];
  preds.forEach((ps, j) => ps.forEach((i) => edges.push([ids[i]!, ids[j]!])));
  return { version: 1, nodes, edges, output: ids[n - 1]! };
}

/** The paper's role rule for nodes listed in a topological order, given each node's predecessors. */
export function paperRoles(preds: readonly (readonly number[])[]): ("assistant" | "fuser")[] {
  const roles: ("assistant" | "fuser")[] = [];
  for (let i = 0; i < preds.length; i++) {
    const ps = preds[i]!;
    roles.push(ps.length > 0 && ps.every((p) => roles[p] === "assistant") ? "fuser" : "assistant");
  }
  return roles;
}

/** G(w, d): d layers of w assistants of one model, fully connected layer to layer, fused when w > 1. */
export function layeredGraph(model: string, width: number, depth: number): Graph {
  if (!(width >= 1 && depth >= 1)) throw new RangeError(`layered graph needs width and depth >= 1, got ${width} x ${depth}`);
  const nodes: GraphNode[] = [];
  const edges: [string, string][] = [];
  let prev: string[] = [];
  for (let l = 1; l <= depth; l++) {
    const cur: string[] = [];
    for (let k = 1; k <= width; k++) {
      const id = `l${l}n${k}`;
      nodes.push({ id, role: "assistant", model });
      for (const p of prev) edges.push([p, id]);
      cur.push(id);
    }
    prev = cur;
  }
  if (width === 1) return { version: 1, name: `chain-${depth}`, nodes, edges, output: prev[0]! };
  nodes.push({ id: "fuse", role: "fuser", model });
  for (const p of prev) edges.push([p, "fuse"]);
  return { version: 1, name: `layers-${width}x${depth}`, nodes, edges, output: "fuse" };
}

/** `3x3B + 1x1B`-style label of a multiset, largest models first. */
export function multisetLabel(counts: ReadonlyMap<string, number> | Record<string, number>): string {
  const entries = counts instanceof Map ? [...counts.entries()] : Object.entries(counts);
  return entries
    .filter(([, k]) => k > 0)
    .map(([id, k]) => `${k}x${id}`)
    .join(" + ");
}
