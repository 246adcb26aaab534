/** Text renderings of a graph: Mermaid (for Markdown and the terminal) and Graphviz DOT. */
import type { Graph } from "./schema.js";

function label(n: Graph["nodes"][number], isOutput: boolean): string {
  return `${n.id}: ${n.role}${isOutput ? " (output)" : ""}<br/>${n.model}`;
}

function mermaidId(id: string): string {
  return "n_" + id.replace(/[^A-Za-z0-9_]/g, "_");
}

/**
 * Mermaid flowchart, left to right; the output node is drawn as a stadium, fusers as hexagons.
 *
 * @example
 * ```ts
 * import { loadGraphFile, toMermaid } from "tts-graph";
 *
 * console.log(toMermaid(loadGraphFile("examples/graphs/chain.json")));
 * ```
 */
export function toMermaid(graph: Graph): string {
  const lines = ["flowchart LR"];
  for (const n of graph.nodes) {
    const text = label(n, n.id === graph.output).replace(/"/g, "#quot;");
    const id = mermaidId(n.id);
    if (n.id === graph.output) lines.push(`  ${id}(["${text}"])`);
    else if (n.role === "fuser") lines.push(`  ${id}{{"${text}"}}`);
    else lines.push(`  ${id}["${text}"]`);
  }
  for (const [a, b] of graph.edges) lines.push(`  ${mermaidId(a)} --> ${mermaidId(b)}`);
  return lines.join("\n");
}

function dotQuote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Graphviz DOT, left to right. */
export function toDot(graph: Graph): string {
  const lines = [`digraph ${dotQuote(graph.name ?? "graph")} {`, "  rankdir=LR;", '  node [fontname="Helvetica"];'];
  for (const n of graph.nodes) {
    const shape = n.id === graph.output ? "doubleoctagon" : n.role === "fuser" ? "hexagon" : "box";
    const text = `${n.id}: ${n.role}\\n${n.model}`;
    lines.push(`  ${dotQuote(n.id)} [label="${text.replace(/"/g, '\\"')}", shape=${shape}];`);
  }
  for (const [a, b] of graph.edges) lines.push(`  ${dotQuote(a)} -> ${dotQuote(b)};`);
  lines.push("}");
  return lines.join("\n");
}
