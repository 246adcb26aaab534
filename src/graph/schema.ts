/**
 * The collaboration-graph file format. One zod schema is the single source of the type, the
 * validation and the JSON Schema. The format carries a version so older files stay loadable.
 */
import { z } from "zod";

/** Current graph file format version. */
export const GRAPH_FORMAT_VERSION = 1;

/** What a node does: answer (or improve on references), or fuse its predecessors' answers. */
export const RoleSchema = z.enum(["assistant", "fuser"]);
export type Role = z.infer<typeof RoleSchema>;

const idPattern = /^[A-Za-z0-9_.:-]+$/;

export const NodeSchema = z
  .object({
    id: z.string().min(1).max(64).regex(idPattern, "node ids use letters, digits and _ . : - only"),
    role: RoleSchema,
    model: z.string().min(1, "a node needs a model id"),
  })
  .strict();
export type GraphNode = z.infer<typeof NodeSchema>;

/** `[from, to]`: the output of `from` goes into the context of `to`. */
export const EdgeSchema = z.tuple([z.string().min(1), z.string().min(1)]);
export type Edge = z.infer<typeof EdgeSchema>;

export const GraphSchema = z
  .object({
    version: z.literal(GRAPH_FORMAT_VERSION),
    name: z.string().optional(),
    description: z.string().optional(),
    nodes: z.array(NodeSchema).min(1, "a graph needs at least one node"),
    edges: z.array(EdgeSchema).default([]),
    output: z.string().min(1, "name the output node"),
    /** Free-form provenance (which search found it, its score...). Not part of the graph's identity. */
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/**
 * A collaboration graph: nodes with a role and a model, edges, and one output node.
 *
 * @example
 * ```ts
 * import type { Graph } from "tts-graph";
 *
 * const fanIn: Graph = {
 *   version: 1,
 *   nodes: [
 *     { id: "a1", role: "assistant", model: "llama-1b" },
 *     { id: "a2", role: "assistant", model: "llama-1b" },
 *     { id: "fuse", role: "fuser", model: "llama-3b" },
 *   ],
 *   edges: [["a1", "fuse"], ["a2", "fuse"]],
 *   output: "fuse",
 * };
 * ```
 */
export type Graph = z.infer<typeof GraphSchema>;

/** JSON Schema of the graph file, for documentation and editors. */
export function graphJsonSchema(): unknown {
  return z.toJSONSchema(GraphSchema, { io: "input" });
}
