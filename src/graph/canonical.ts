/**
 * Canonical form and stable hash of a graph. Two graphs that differ only by node naming, node order
 * or edge order get the same canonical form, so a search never evaluates the same graph twice under
 * different names.
 *
 * The labelling is the classic individualisation-refinement scheme: colour nodes by (role, model,
 * is-output), refine by the colours of predecessors and successors until stable, and where ties
 * remain, try each tied node as "first", keeping the lexicographically smallest encoding. Twins
 * (same predecessors and successors) are interchangeable, so only one of them is tried; that keeps
 * the common case (many identical parallel nodes) linear instead of factorial.
 */
import { createHash } from "node:crypto";
import type { Graph, GraphNode } from "./schema.js";
import { GRAPH_FORMAT_VERSION } from "./schema.js";
import { adjacency, type Adjacency } from "./topology.js";

function rankColours(keys: string[]): number[] {
  const sorted = [...new Set(keys)].sort();
  const rank = new Map(sorted.map((k, i) => [k, i]));
  return keys.map((k) => rank.get(k)!);
}

function refine(adj: Adjacency, colours: number[]): number[] {
  let current = colours;
  let classes = new Set(current).size;
  for (;;) {
    const keys = current.map((c, v) => {
      const p = adj.preds[v]!.map((u) => current[u]!).sort((a, b) => a - b);
      const s = adj.succs[v]!.map((u) => current[u]!).sort((a, b) => a - b);
      return `${c}|${p.join(",")}|${s.join(",")}`;
    });
    const next = rankColours(keys);
    const nextClasses = new Set(next).size;
    if (nextClasses === classes) return next;
    current = next;
    classes = nextClasses;
  }
}

function encode(adj: Adjacency, labels: string[], colours: number[]): { code: string; order: number[] } {
  const order = colours.map((c, v) => [c, v] as const).sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  const pos = new Array<number>(order.length);
  order.forEach((v, i) => (pos[v] = i));
  const nodes = order.map((v) => labels[v]);
  const edges: [number, number][] = [];
  adj.succs.forEach((ss, v) => ss.forEach((w) => edges.push([pos[v]!, pos[w]!])));
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { code: JSON.stringify([nodes, edges]), order };
}

function search(adj: Adjacency, labels: string[], colours: number[]): { code: string; order: number[] } {
  const refined = refine(adj, colours);
  const count = new Map<number, number[]>();
  refined.forEach((c, v) => (count.get(c) ?? count.set(c, []).get(c)!).push(v));
  let target: number[] | undefined;
  for (const c of [...count.keys()].sort((a, b) => a - b)) {
    if (count.get(c)!.length > 1) {
      target = count.get(c)!;
      break;
    }
  }
  if (!target) return encode(adj, labels, refined);

  let best: { code: string; order: number[] } | undefined;
  const tried = new Set<string>();
  for (const v of target) {
    const twinKey = `${[...adj.preds[v]!].sort((a, b) => a - b).join(",")}|${[...adj.succs[v]!].sort((a, b) => a - b).join(",")}`;
    if (tried.has(twinKey)) continue;
    tried.add(twinKey);
    const individualised = refined.map((c, u) => (u === v ? 2 * c : 2 * c + 1));
    const r = search(adj, labels, individualised);
    if (!best || r.code < best.code) best = r;
  }
  return best!;
}

/** The canonical node order: indices into `graph.nodes`. */
export function canonicalOrder(graph: Graph): number[] {
  const adj = adjacency(graph);
  const labels = graph.nodes.map((n) => JSON.stringify([n.role, n.model, n.id === graph.output]));
  return search(adj, labels, rankColours(labels)).order;
}

/**
 * The canonical form: nodes renamed `n0`, `n1`, ... in canonical order, edges sorted, no name,
 * description or meta. Equal for graphs that differ only by naming or order.
 */
export function canonicalGraph(graph: Graph): Graph {
  const order = canonicalOrder(graph);
  const rename = new Map<string, string>();
  order.forEach((v, i) => rename.set(graph.nodes[v]!.id, `n${i}`));
  const nodes: GraphNode[] = order.map((v, i) => ({ id: `n${i}`, role: graph.nodes[v]!.role, model: graph.nodes[v]!.model }));
  const seen = new Set<string>();
  const edges: [string, string][] = [];
  for (const [a, b] of graph.edges) {
    const e: [string, string] = [rename.get(a)!, rename.get(b)!];
    const k = e.join(">");
    if (!seen.has(k)) {
      seen.add(k);
      edges.push(e);
    }
  }
  const num = (s: string) => Number(s.slice(1));
  edges.sort((x, y) => num(x[0]) - num(y[0]) || num(x[1]) - num(y[1]));
  return { version: GRAPH_FORMAT_VERSION, nodes, edges, output: rename.get(graph.output)! };
}

/**
 * A stable 16-hex-digit hash of the canonical form.
 *
 * @example
 * ```ts
 * import { graphHash, parseGraph } from "tts-graph";
 *
 * const a = parseGraph({ version: 1, nodes: [{ id: "x", role: "assistant", model: "m" }], edges: [], output: "x" });
 * const b = parseGraph({ version: 1, nodes: [{ id: "y", role: "assistant", model: "m" }], edges: [], output: "y" });
 * console.log(graphHash(a) === graphHash(b)); // true: node ids do not matter
 * ```
 */
export function graphHash(graph: Graph): string {
  const c = canonicalGraph(graph);
  const body = JSON.stringify({ nodes: c.nodes.map((n) => [n.role, n.model]), edges: c.edges, output: c.output });
  return createHash("sha256").update(body).digest("hex").slice(0, 16);
}
