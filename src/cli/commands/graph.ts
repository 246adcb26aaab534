/** `tts-graph graph validate|cost|show`. */
import { GraphValidationError } from "../../errors.js";
import { graphHash, safeParseGraph, topology, toDot, toMermaid, type Graph, type GraphIssue } from "../../graph/index.js";
import { checkBudget, formatCost, planCost, type BudgetUnit } from "../../cost/index.js";
import { toCostModel } from "../../models/spec.js";
import { parseJsonText, readText } from "../../util/files.js";
import { resolvePool, resolveTaskTokens } from "../../resolve.js";
import { emit, table, type Io } from "../output.js";

interface CommonOpts {
  pool?: string;
  json?: boolean;
}

/** Read and validate a graph file; throws a user error (exit 2) listing every problem. */
function readGraph(file: string, pool: string | undefined): { graph: Graph; warnings: GraphIssue[] } {
  const data = parseJsonText(readText(file, "graph file"), file);
  const models = pool ? resolvePool(pool).pool.models.map((m) => m.id) : undefined;
  const r = safeParseGraph(data, models ? { models } : {});
  if (!r.success) {
    const errors = r.issues.filter((i) => i.severity === "error");
    throw new GraphValidationError(`${file}: invalid graph (${errors.length} problem${errors.length === 1 ? "" : "s"})`, errors, file);
  }
  return { graph: r.graph, warnings: r.warnings };
}

function warningLines(warnings: GraphIssue[]): string {
  return warnings.map((w) => `warning: ${w.path}: ${w.message} [${w.code}]`).join("\n");
}

export function validateCommand(file: string, opts: CommonOpts, io: Io): void {
  const { graph, warnings } = readGraph(file, opts.pool);
  const topo = topology(graph);
  emit(io, opts.json, { valid: true, file, hash: graphHash(graph), nodes: graph.nodes.length, edges: graph.edges.length, width: topo.width, depth: topo.depth, warnings }, () =>
    [`${file}: valid graph (${graph.nodes.length} nodes, ${graph.edges.length} edges, width ${topo.width}, depth ${topo.depth})`, warningLines(warnings)].filter(Boolean).join("\n"),
  );
}

export function costCommand(file: string, opts: CommonOpts & { task: string; budget?: number; budgetUnit: BudgetUnit }, io: Io): void {
  const loaded = resolvePool(opts.pool);
  const { graph, warnings } = readGraph(file, opts.pool ?? "paper");
  const tokens = resolveTaskTokens(opts.task);
  const plan = planCost(graph, { models: loaded.pool.models.map(toCostModel), tokens });
  const check = opts.budget !== undefined ? checkBudget(plan, { limit: opts.budget, unit: opts.budgetUnit }) : undefined;
  const value = {
    file,
    task: opts.task,
    pool: loaded.source,
    tokens,
    unitFlops: plan.unitFlops,
    nodes: plan.nodes,
    totalFlops: plan.totalFlops,
    units: Number(plan.units.toFixed(6)),
    dollars: plan.dollars,
    latencyMs: plan.latencyMs,
    budget: check,
    warnings,
  };
  emit(io, opts.json, value, () => {
    const rows = plan.nodes.map((n) => [n.id, n.model, n.inDegree, n.promptTokens, n.outputTokens, n.skipped ? "skipped" : n.flops.total.toExponential(3), n.units.toFixed(3)]);
    const lines = [
      table(["node", "model", "in", "prompt tok", "output tok", "FLOPs", "units"], rows),
      "",
      `total: ${plan.totalFlops.toExponential(4)} FLOPs = ${plan.units.toFixed(3)} budget units (1 unit = ${plan.unitFlops.toExponential(4)} FLOPs, task ${opts.task})`,
    ];
    if (plan.dollars !== undefined) lines.push(`dollars: ${formatCost(plan.dollars, "usd")} per query`);
    if (plan.latencyMs !== undefined) lines.push(`latency (a priori, critical path): ${formatCost(plan.latencyMs, "ms")}`);
    if (check) lines.push(check.ok ? `within budget: ${formatCost(check.cost!, check.unit)} <= ${formatCost(check.limit, check.unit)}` : `OVER BUDGET: ${check.reason}`);
    if (warnings.length) lines.push(warningLines(warnings));
    return lines.join("\n");
  });
}

export function showCommand(file: string, opts: CommonOpts & { format: "mermaid" | "dot" }, io: Io): void {
  const { graph, warnings } = readGraph(file, opts.pool);
  const topo = topology(graph);
  const rendering = opts.format === "dot" ? toDot(graph) : toMermaid(graph);
  const facts = [...topo.levels.map((l, i) => `level ${i}: ${l.join(", ")}`), `width ${topo.width}, depth ${topo.depth}, hash ${graphHash(graph)}`, warningLines(warnings)].filter((x) => x !== "").join("\n");
  // DOT is piped into `dot`, so stdout carries it alone; the facts go to stderr.
  if (!opts.json && opts.format === "dot") {
    io.stdout(`${rendering}\n`);
    io.stderr(`${facts}\n`);
    return;
  }
  emit(io, opts.json, { file, hash: graphHash(graph), mermaid: toMermaid(graph), dot: toDot(graph), levels: topo.levels, width: topo.width, depth: topo.depth, inDegree: topo.inDegree, warnings }, () => `${rendering}\n\n${facts}`);
}
