/** Reading and writing graph files. */
import { readText, parseJsonText, writeJsonAtomic } from "../util/files.js";
import { parseGraph, type ValidateOptions } from "./validate.js";
import type { Graph } from "./schema.js";

/** Load and fully validate a graph file; problems are thrown as a user error naming the file and field. */
export function loadGraphFile(path: string, options: ValidateOptions = {}): Graph {
  const data = parseJsonText(readText(path, "graph file"), path);
  return parseGraph(data, { ...options, source: path });
}

/** Write a graph file atomically. */
export function saveGraphFile(path: string, graph: Graph): void {
  writeJsonAtomic(path, graph);
}
