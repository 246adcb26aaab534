/** Topology helpers over a graph: adjacency, levels, width, depth, reachability. */
import type { Graph } from "./schema.js";

export interface Adjacency {
  ids: string[];
  index: Map<string, number>;
  preds: number[][];
  succs: number[][];
}

/** Index-based adjacency; edges naming unknown nodes are ignored (validation reports them). */
export function adjacency(graph: Pick<Graph, "nodes" | "edges">): Adjacency {
  const ids = graph.nodes.map((n) => n.id);
  const index = new Map<string, number>();
  ids.forEach((id, i) => {
    if (!index.has(id)) index.set(id, i);
  });
  const preds: number[][] = ids.map(() => []);
  const succs: number[][] = ids.map(() => []);
  const seen = new Set<string>();
  for (const [a, b] of graph.edges) {
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined) continue;
    const key = `${i}>${j}`;
    if (seen.has(key)) continue;
    seen.add(key);
    succs[i]!.push(j);
    preds[j]!.push(i);
  }
  return { ids, index, preds, succs };
}

/** Kahn's order of node indices, or `null` when there is a cycle. */
export function topologicalOrder(adj: Adjacency): number[] | null {
  const n = adj.ids.length;
  const indeg = adj.preds.map((p) => p.length);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  const order: number[] = [];
  for (let q = 0; q < queue.length; q++) {
    const i = queue[q]!;
    order.push(i);
    for (const j of adj.succs[i]!) {
      if (--indeg[j]! === 0) queue.push(j);
    }
  }
  return order.length === n ? order : null;
}

/** One cycle as a list of node ids (first repeated at the end), or `null` for a DAG. */
export function findCycle(adj: Adjacency): string[] | null {
  const n = adj.ids.length;
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const parent = new Int32Array(n).fill(-1);
  for (let s = 0; s < n; s++) {
    if (state[s] !== 0) continue;
    const stack: [number, number][] = [[s, 0]];
    state[s] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [v, k] = top;
      if (k < adj.succs[v]!.length) {
        top[1]++;
        const w = adj.succs[v]![k]!;
        if (state[w] === 0) {
          state[w] = 1;
          parent[w] = v;
          stack.push([w, 0]);
        } else if (state[w] === 1) {
          const path: string[] = [];
          for (let x = v; x !== w; x = parent[x]!) path.push(adj.ids[x]!);
          return [adj.ids[w]!, ...path.reverse(), adj.ids[w]!];
        }
      } else {
        state[v] = 2;
        stack.pop();
      }
    }
  }
  return null;
}

/** Nodes from which the output node can be reached (the output included). */
export function reachesOutput(adj: Adjacency, output: string): Set<string> {
  const out = adj.index.get(output);
  const seen = new Set<string>();
  if (out === undefined) return seen;
  const stack = [out];
  const mark = new Uint8Array(adj.ids.length);
  mark[out] = 1;
  while (stack.length > 0) {
    const v = stack.pop()!;
    seen.add(adj.ids[v]!);
    for (const p of adj.preds[v]!) {
      if (!mark[p]) {
        mark[p] = 1;
        stack.push(p);
      }
    }
  }
  return seen;
}

/** Topology summary of a DAG. */
export interface Topology {
  /** Node ids grouped by level: level 0 has no predecessors; a node's level is 1 + its deepest predecessor's. */
  levels: string[][];
  /** Most nodes on one level. */
  width: number;
  /** Nodes on the longest path. */
  depth: number;
  /** In-degree per node id. */
  inDegree: Record<string, number>;
  /** Out-degree per node id. */
  outDegree: Record<string, number>;
  /** Node ids in a topological order (stable: ties keep file order). */
  order: string[];
}

/** Levels, width, depth and degrees. Throws on a cycle; validate first. */
export function topology(graph: Pick<Graph, "nodes" | "edges">): Topology {
  const adj = adjacency(graph);
  const order = topologicalOrder(adj);
  if (!order) throw new Error("graph has a cycle");
  const level = new Array<number>(adj.ids.length).fill(0);
  for (const i of order) {
    for (const p of adj.preds[i]!) level[i] = Math.max(level[i]!, level[p]! + 1);
  }
  const levels: string[][] = [];
  // Group in file order within a level so output is stable.
  adj.ids.forEach((id, i) => {
    (levels[level[i]!] ??= []).push(id);
  });
  const inDegree: Record<string, number> = {};
  const outDegree: Record<string, number> = {};
  adj.ids.forEach((id, i) => {
    inDegree[id] = adj.preds[i]!.length;
    outDegree[id] = adj.succs[i]!.length;
  });
  return {
    levels,
    width: Math.max(0, ...levels.map((l) => l.length)),
    depth: levels.length,
    inDegree,
    outDegree,
    order: levels.flat(),
  };
}

/** Predecessor ids of each node, in edge-file order. */
export function predecessorsOf(graph: Pick<Graph, "nodes" | "edges">): Map<string, string[]> {
  const adj = adjacency(graph);
  const out = new Map<string, string[]>();
  adj.ids.forEach((id, i) => out.set(id, adj.preds[i]!.map((p) => adj.ids[p]!)));
  return out;
}
