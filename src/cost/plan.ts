/**
 * A-priori cost of a graph: pure, computed before anything runs. Every node with in-degree d_in gets
 * Np = A + d_in·B prompt tokens and Nd = B output tokens; the graph costs the sum over the nodes that
 * can reach the output (the executor never runs the others).
 */
import type { Graph } from "../graph/schema.js";
import { adjacency, reachesOutput, topologicalOrder } from "../graph/topology.js";
import { UserError } from "../errors.js";
import { callDollars, callFlops, callLatencyMs, type CallFlops, type FlopsSpec, type SpeedSpec } from "./flops.js";
import type { TaskTokens } from "./tokens.js";

/** A model as the cost plan sees it: FLOPs spec plus, optionally, speed for latency. */
export type CostModel = FlopsSpec & { speed?: SpeedSpec | undefined };

export interface CostContext {
  /** The pool's models by id. */
  models: ReadonlyMap<string, CostModel> | readonly CostModel[];
  tokens: TaskTokens;
  /** Measured per-model token means, overriding A and B for that model. */
  perModelTokens?: Readonly<Record<string, { promptTokens: number; outputTokens: number }>> | undefined;
}

export interface NodeCost {
  id: string;
  model: string;
  inDegree: number;
  promptTokens: number;
  outputTokens: number;
  flops: CallFlops;
  /** Budget units of this node. */
  units: number;
  dollars: number | undefined;
  latencyMs: number | undefined;
  /** True when the node cannot reach the output and will not run. */
  skipped: boolean;
}

export interface CostPlan {
  nodes: NodeCost[];
  totalFlops: number;
  /** FLOPs of one budget unit. */
  unitFlops: number;
  /** totalFlops / unitFlops. */
  units: number;
  /** Sum of node dollars, or undefined when some model has no pricing. */
  dollars: number | undefined;
  /** Critical path of a-priori node latencies, or undefined when some model has no speed. */
  latencyMs: number | undefined;
  tokens: TaskTokens;
}

function modelMap(models: CostContext["models"]): ReadonlyMap<string, CostModel> {
  return models instanceof Map ? models : new Map((models as readonly CostModel[]).map((m) => [m.id, m]));
}

/** FLOPs of one budget unit: the task's fixed unit, else one call of the pool's cheapest model. */
export function unitFlopsFor(ctx: CostContext): number {
  if (ctx.tokens.unitFlops !== undefined) return ctx.tokens.unitFlops;
  const models = [...modelMap(ctx.models).values()];
  if (models.length === 0) throw new UserError("the pool has no models, so a budget unit is undefined");
  let best = Infinity;
  for (const m of models) {
    const t = ctx.perModelTokens?.[m.id] ?? ctx.tokens;
    best = Math.min(best, callFlops(m, t.promptTokens, t.outputTokens).total);
  }
  return best;
}

/**
 * The a-priori cost plan of a graph.
 *
 * @example
 * ```ts
 * import { loadGraphFile, planCost, resolvePool, resolveTask } from "tts-graph";
 *
 * const pool = resolvePool("paper");
 * const plan = planCost(loadGraphFile("examples/graphs/paper-reference-b4.json"), { models: pool.pool.models, tokens: resolveTask("sim:math").tokens });
 * console.log(plan.totalFlops, plan.units);
 * ```
 */
export function planCost(graph: Graph, ctx: CostContext): CostPlan {
  const models = modelMap(ctx.models);
  const unitFlops = unitFlopsFor(ctx);
  const adj = adjacency(graph);
  const useful = reachesOutput(adj, graph.output);
  const A = ctx.tokens.promptTokens;
  const B = ctx.tokens.outputTokens;
  let totalFlops = 0;
  let dollars: number | undefined = 0;
  const latency = new Map<number, number | undefined>();
  const nodes: NodeCost[] = graph.nodes.map((n, i) => {
    const m = models.get(n.model);
    if (!m) throw new UserError(`node "${n.id}" uses model "${n.model}", which is not in the pool`, { code: "unknown_model" });
    const own = ctx.perModelTokens?.[m.id];
    const predOut = adj.preds[i]!.reduce((s, p) => s + (ctx.perModelTokens?.[graph.nodes[p]!.model]?.outputTokens ?? B), 0);
    const promptTokens = (own?.promptTokens ?? A) + predOut;
    const outputTokens = own?.outputTokens ?? B;
    const skipped = !useful.has(n.id);
    const flops = skipped ? { prefill: 0, decode: 0, total: 0 } : callFlops(m, promptTokens, outputTokens);
    const d = skipped ? 0 : callDollars(m, promptTokens, outputTokens);
    const lat = skipped ? 0 : m.speed ? callLatencyMs(m.speed, promptTokens, outputTokens) : undefined;
    latency.set(i, lat);
    totalFlops += flops.total;
    dollars = dollars === undefined || d === undefined ? undefined : dollars + d;
    return { id: n.id, model: n.model, inDegree: adj.preds[i]!.length, promptTokens, outputTokens, flops, units: flops.total / unitFlops, dollars: d, latencyMs: lat, skipped };
  });
  return { nodes, totalFlops, unitFlops, units: totalFlops / unitFlops, dollars, latencyMs: criticalPath(graph, (i) => latency.get(i)), tokens: ctx.tokens };
}

/**
 * Longest path through the DAG where each node weighs `weight(i)` (its latency). Undefined when any
 * weight on the graph is undefined or the graph has a cycle.
 */
export function criticalPath(graph: Pick<Graph, "nodes" | "edges">, weight: (index: number) => number | undefined): number | undefined {
  const adj = adjacency(graph);
  const order = topologicalOrder(adj);
  if (!order) return undefined;
  const finish = new Array<number>(adj.ids.length).fill(0);
  let best = 0;
  for (const i of order) {
    const w = weight(i);
    if (w === undefined) return undefined;
    let start = 0;
    for (const p of adj.preds[i]!) start = Math.max(start, finish[p]!);
    finish[i] = start + w;
    best = Math.max(best, finish[i]!);
  }
  return best;
}
