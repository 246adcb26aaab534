/** Reading and writing graph files. */
import { readText, parseJsonText, writeJsonAtomic } from "../util/files.js";
import { parseGraph, type ValidateOptions } from "./validate.js";
import type { Graph } from "./schema.js";

/**
 * Load and fully validate a graph file; problems are thrown as a user error naming the file and field.
 *
 * @example
 * ```ts
 * import { loadGraphFile, resolvePool } from "tts-graph";
 *
 * const pool = resolvePool("sim:llama");
 * const graph = loadGraphFile("examples/graphs/fan-in.json", { models: pool.pool.models.map((m) => m.id) });
 * console.log(graph.output);
 * ```
 */
export function loadGraphFile(path: string, options: ValidateOptions = {}): Graph {
  const data = parseJsonText(readText(path, "graph file"), path);
  return parseGraph(data, { ...options, source: path });
}

/**
 * Write a graph file atomically.
 *
 * @example
 * ```ts
 * import { parseGraph, saveGraphFile } from "tts-graph";
 *
 * saveGraphFile("single.json", parseGraph({ version: 1, nodes: [{ id: "a", role: "assistant", model: "llama-8b" }], edges: [], output: "a" }));
 * ```
 */
export function saveGraphFile(path: string, graph: Graph): void {
  writeJsonAtomic(path, graph);
}
