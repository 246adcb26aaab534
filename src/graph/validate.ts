/**
 * Structural validation of a graph. Every issue is returned (not only the first), each naming the
 * node or edge by its path in the file, so a user can fix them all in one go.
 */
import { GraphValidationError, type Issue } from "../errors.js";
import { zodIssues } from "../util/files.js";
import { GraphSchema, type Graph } from "./schema.js";
import { adjacency, findCycle, reachesOutput } from "./topology.js";

/** An issue with a severity: errors make a graph unusable; warnings do not. */
export interface GraphIssue extends Issue {
  severity: "error" | "warning";
}

export interface ValidateOptions {
  /** Model ids of the pool; when given, nodes naming other models are errors. */
  models?: Iterable<string>;
}

/** Check a schema-valid graph's structure. Returns every issue found. */
export function validateGraph(graph: Graph, options: ValidateOptions = {}): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const err = (code: string, path: string, message: string) => issues.push({ severity: "error", code, path, message });
  const warn = (code: string, path: string, message: string) => issues.push({ severity: "warning", code, path, message });

  const firstIndex = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    const prev = firstIndex.get(n.id);
    if (prev !== undefined) err("duplicate_node", `nodes[${i}].id`, `node id "${n.id}" is already used by nodes[${prev}]`);
    else firstIndex.set(n.id, i);
  });

  if (options.models) {
    const known = new Set(options.models);
    graph.nodes.forEach((n, i) => {
      if (!known.has(n.model)) {
        const list = [...known].sort().join(", ");
        err("unknown_model", `nodes[${i}].model`, `node "${n.id}" uses model "${n.model}", which is not in the pool (${list})`);
      }
    });
  }

  if (!firstIndex.has(graph.output)) err("unknown_output", "output", `output node "${graph.output}" is not one of the nodes`);

  const seenEdges = new Map<string, number>();
  graph.edges.forEach(([a, b], i) => {
    if (!firstIndex.has(a)) err("dangling_edge", `edges[${i}][0]`, `edge ${a} -> ${b} starts at "${a}", which is not a node`);
    if (!firstIndex.has(b)) err("dangling_edge", `edges[${i}][1]`, `edge ${a} -> ${b} ends at "${b}", which is not a node`);
    if (a === b) err("self_loop", `edges[${i}]`, `edge ${a} -> ${b} connects a node to itself`);
    const key = `${a}\u0000${b}`;
    const prev = seenEdges.get(key);
    if (prev !== undefined) warn("duplicate_edge", `edges[${i}]`, `edge ${a} -> ${b} repeats edges[${prev}]`);
    else seenEdges.set(key, i);
  });

  const adj = adjacency(graph);
  const cycle = graph.edges.some(([a, b]) => a === b) ? null : findCycle(adj);
  if (cycle) err("cycle", "edges", `the edges form a cycle: ${cycle.join(" -> ")}`);

  graph.nodes.forEach((n, i) => {
    const j = adj.index.get(n.id);
    if (n.role === "fuser" && j === i && adj.preds[j]!.length === 0) {
      err("fuser_without_input", `nodes[${i}]`, `fuser "${n.id}" has no predecessors; a fuser needs answers to fuse`);
    }
  });

  const out = adj.index.get(graph.output);
  if (out !== undefined && adj.succs[out]!.length > 0) {
    const to = adj.succs[out]!.map((s) => adj.ids[s]).join(", ");
    err("output_has_successors", "output", `output node "${graph.output}" feeds ${to}; the output node must be a sink`);
  }

  if (firstIndex.has(graph.output) && !cycle) {
    const useful = reachesOutput(adj, graph.output);
    graph.nodes.forEach((n, i) => {
      if (!useful.has(n.id) && firstIndex.get(n.id) === i) {
        warn("unreachable", `nodes[${i}]`, `node "${n.id}" has no path to the output "${graph.output}"; it would cost compute for nothing (drop it with dropUnreachable)`);
      }
    });
  }
  return issues;
}

export type SafeParseGraphResult =
  | { success: true; graph: Graph; warnings: GraphIssue[] }
  | { success: false; issues: GraphIssue[] };

/** Schema and structure check of untrusted data, returning every issue instead of throwing. */
export function safeParseGraph(data: unknown, options: ValidateOptions = {}): SafeParseGraphResult {
  const parsed = GraphSchema.safeParse(migrateGraph(data));
  if (!parsed.success) {
    return { success: false, issues: zodIssues(parsed.error).map((i) => ({ ...i, severity: "error" as const })) };
  }
  const issues = validateGraph(parsed.data, options);
  const errors = issues.filter((i) => i.severity === "error");
  if (errors.length > 0) return { success: false, issues };
  return { success: true, graph: parsed.data, warnings: issues };
}

/**
 * Like {@link safeParseGraph} but throws a {@link GraphValidationError} naming every problem.
 *
 * @example
 * ```ts
 * import { parseGraph } from "tts-graph";
 *
 * const graph = parseGraph(
 *   { version: 1, nodes: [{ id: "a", role: "assistant", model: "llama-1b" }, { id: "f", role: "fuser", model: "llama-3b" }], edges: [["a", "f"]], output: "f" },
 *   { models: ["llama-1b", "llama-3b"] },
 * );
 * console.log(graph.nodes.length);
 * ```
 */
export function parseGraph(data: unknown, options: ValidateOptions & { source?: string } = {}): Graph {
  const r = safeParseGraph(data, options);
  if (r.success) return r.graph;
  const errors = r.issues.filter((i) => i.severity === "error");
  const where = options.source ?? "graph";
  throw new GraphValidationError(`${where}: invalid graph (${errors.length} problem${errors.length === 1 ? "" : "s"})`, errors, options.source);
}

/** Bring older file versions up to the current one. Version 1 is the first; this is the hook for later ones. */
export function migrateGraph(data: unknown): unknown {
  return data;
}

/** The graph without nodes that cannot reach the output (and their edges). */
export function dropUnreachable(graph: Graph): Graph {
  const keep = reachesOutput(adjacency(graph), graph.output);
  return {
    ...graph,
    nodes: graph.nodes.filter((n) => keep.has(n.id)),
    edges: graph.edges.filter(([a, b]) => keep.has(a) && keep.has(b)),
  };
}
