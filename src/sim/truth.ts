/**
 * Ground truth: a graph's expected accuracy, FLOPs and latency in a simulated world, computed without
 * prompts or text. It runs the same {@link simulateCall} the provider runs, on the numbers the
 * provider would recover from text, and numbers repeated identical calls the way the executor does
 * (the k-th call with the same prompt gets sample index k), so the two paths agree call for call.
 */
import { UserError } from "../errors.js";
import { adjacency, reachesOutput, topologicalOrder, type Adjacency } from "../graph/topology.js";
import { canonicalOrder } from "../graph/canonical.js";
import type { Graph } from "../graph/schema.js";
import type { GroundTruth } from "../tasks/types.js";
import { callFlops, type FlopsSpec } from "../cost/flops.js";
import { hashString } from "../util/rng.js";
import { callIdentity, callLatency, simulateCall, ROLE_ASSISTANT, ROLE_FUSER, type CallOutcome, type RoleCode } from "./behaviour.js";
import { CORRECT, mix, NO_ANSWER, POPULATION_BASE, type SimItem, type SimWorld } from "./world.js";

/**
 * Most tokens a call writes unless told otherwise: the executor's default (its `maxTokens`), so the
 * truth sees the outputs the search sees. A longer output is cut there and its answer, which comes
 * last, is lost.
 */
export const DEFAULT_MAX_TOKENS = 1024;

/**
 * Node ids in the order calls are made: topological levels, and within a level the canonical rank
 * ("executor", as the executor numbers repeated identical calls, so both paths give the same sample
 * indices) or file order ("file": cheaper, statistically the same).
 */
function executionOrder(graph: Graph, adj: Adjacency, useful: Set<string>, how: "executor" | "file"): string[] {
  const topo = topologicalOrder(adj);
  if (!topo) throw new UserError("the graph has a cycle", { code: "cycle" });
  const level = new Array<number>(adj.ids.length).fill(0);
  for (const i of topo) for (const p of adj.preds[i]!) level[i] = Math.max(level[i]!, level[p]! + 1);
  const rank = new Array<number>(adj.ids.length);
  if (how === "executor" && graph.nodes.length > 1) canonicalOrder(graph).forEach((v, r) => (rank[v] = r));
  else for (let i = 0; i < rank.length; i++) rank[i] = i;
  const idx: number[] = [];
  for (let i = 0; i < adj.ids.length; i++) if (useful.has(adj.ids[i]!) && adj.index.get(adj.ids[i]!) === i) idx.push(i);
  idx.sort((a, b) => level[a]! - level[b]! || rank[a]! - rank[b]!);
  return idx.map((i) => adj.ids[i]!);
}

/** A graph turned into arrays over the nodes that run, in execution order. */
export interface CompiledGraph {
  /** Number of nodes that run (those that can reach the output). */
  n: number;
  /** Node ids, in execution order. */
  ids: string[];
  model: Int32Array;
  /** hashString of each node's model id as the graph names it (how its successors' references name it). */
  refHash: Uint32Array;
  role: Uint8Array;
  /** Position of the output node in execution order. */
  output: number;
  /** Predecessors of node i (positions in execution order, in edge order): predList[predStart[i] .. predStart[i+1]). */
  predStart: Int32Array;
  predList: Int32Array;
  /** FLOPs spec per node (the pool's, else the profile's). */
  specs: FlopsSpec[];
  /** Most tokens per call: longer outputs are cut, as a server stops at max_tokens. */
  maxTokens: number;
}

/**
 * Compile a graph against a world. `modelMap` maps the graph's model ids to the profile's (a pool's
 * `endpoint.profile`); `specs` overrides FLOPs specs by graph model id.
 */
export function compileGraph(
  world: SimWorld,
  graph: Graph,
  options: { modelMap?: ReadonlyMap<string, string> | undefined; specs?: ReadonlyMap<string, FlopsSpec> | undefined; order?: "executor" | "file"; maxTokens?: number | undefined } = {},
): CompiledGraph {
  const adj = adjacency(graph);
  const useful = reachesOutput(adj, graph.output);
  if (useful.size === 0) throw new UserError(`the output node "${graph.output}" is not one of the graph's nodes`, { code: "unknown_output" });
  const order = executionOrder(graph, adj, useful, options.order ?? "executor");
  const pos = new Map(order.map((id, i) => [id, i]));
  const n = order.length;
  const model = new Int32Array(n);
  const refHash = new Uint32Array(n);
  const role = new Uint8Array(n);
  const predStart = new Int32Array(n + 1);
  const preds: number[] = [];
  const specs: FlopsSpec[] = [];
  const issues: { code: string; path: string; message: string }[] = [];
  order.forEach((id, i) => {
    const fileIndex = adj.index.get(id)!;
    const node = graph.nodes[fileIndex]!;
    const simId = options.modelMap?.get(node.model) ?? node.model;
    const m = world.modelIndex(simId);
    if (m === undefined) {
      issues.push({
        code: "unknown_model",
        path: `nodes[${fileIndex}].model`,
        message: `node "${id}" uses model "${simId}", which the simulated task ${world.profile.name} does not have (${world.models.map((x) => x.id).join(", ")})`,
      });
      return;
    }
    model[i] = m;
    refHash[i] = hashString(node.model);
    role[i] = node.role === "fuser" ? ROLE_FUSER : ROLE_ASSISTANT;
    predStart[i] = preds.length;
    for (const p of adj.preds[fileIndex]!) {
      const q = pos.get(adj.ids[p]!);
      if (q !== undefined) preds.push(q);
    }
    specs.push(options.specs?.get(node.model) ?? world.models[m]!.spec);
  });
  if (issues.length > 0) throw new UserError(`the graph uses models the simulated task ${world.profile.name} does not have`, { code: "unknown_model", issues });
  predStart[n] = preds.length;
  return { n, ids: order, model, refHash, role, output: pos.get(graph.output)!, predStart, predList: Int32Array.from(preds), specs, maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS };
}

/** What running a compiled graph on one item produced. */
export interface ItemRun {
  correct: boolean;
  /** The output node's answer code. */
  answer: number;
  flops: number;
  /** Critical path of node latencies. */
  latencyMs: number;
  calls: number;
  /** Calls whose output was cut at the token cap. */
  truncated: number;
}

/** Reusable buffers for {@link runCompiled}, sized for a graph. */
export class RunScratch {
  code: Int32Array;
  completion: Int32Array;
  prompt: Float64Array;
  identity: Uint32Array;
  finish: Float64Array;
  refModel: Uint32Array;
  refCode: Int32Array;
  refTokens: Int32Array;
  outcome: CallOutcome = { code: 0, promptTokens: 0, completionTokens: 0 };
  private itemBuf: SimItem | undefined;

  /** A reusable item record for a world. */
  item(world: SimWorld): SimItem {
    const size = world.models.length * world.plausible;
    if (!this.itemBuf || this.itemBuf.wrongCum.length !== size) this.itemBuf = world.item(0);
    return this.itemBuf;
  }

  constructor(n: number) {
    this.code = new Int32Array(n);
    this.completion = new Int32Array(n);
    this.prompt = new Float64Array(n);
    this.identity = new Uint32Array(n);
    this.finish = new Float64Array(n);
    this.refModel = new Uint32Array(n);
    this.refCode = new Int32Array(n);
    this.refTokens = new Int32Array(n);
  }
}

const refsView = { model: new Uint32Array(0) as ArrayLike<number>, code: new Int32Array(0) as ArrayLike<number>, tokens: new Int32Array(0) as ArrayLike<number> };

/** Run a compiled graph on one world item (by global index). */
export function runCompiled(world: SimWorld, g: CompiledGraph, itemIndex: number, scratch: RunScratch = new RunScratch(g.n), result?: ItemRun): ItemRun {
  const item = world.fillItem(itemIndex, scratch.item(world));
  const out = scratch.outcome;
  let flops = 0;
  let latency = 0;
  let truncated = 0;
  for (let i = 0; i < g.n; i++) {
    const a = g.predStart[i]!;
    const k = g.predStart[i + 1]! - a;
    let start = 0;
    for (let j = 0; j < k; j++) {
      const p = g.predList[a + j]!;
      scratch.refModel[j] = g.refHash[p]!;
      scratch.refCode[j] = scratch.code[p]!;
      scratch.refTokens[j] = scratch.completion[p]!;
      if (scratch.finish[p]! > start) start = scratch.finish[p]!;
    }
    refsView.model = scratch.refModel;
    refsView.code = scratch.refCode;
    refsView.tokens = scratch.refTokens;
    const m = g.model[i]!;
    const role = g.role[i] as RoleCode;
    const id = callIdentity(world, item, m, role, k, refsView);
    // The executor numbers calls with identical prompts, and the output node's prompt says it is the output.
    const promptKey = i === g.output ? mix(id, 0x6f757470) : id;
    scratch.identity[i] = promptKey;
    let sampleIndex = 0;
    for (let q = 0; q < i; q++) if (scratch.identity[q] === promptKey) sampleIndex++;
    simulateCall(world, item, m, role, k, refsView, id, sampleIndex, out);
    let nd = out.completionTokens;
    let code = out.code;
    // Cut at the cap, the text ends before its answer (every style writes it last): no answer.
    if (nd > g.maxTokens) {
      nd = g.maxTokens;
      code = NO_ANSWER;
      truncated++;
    }
    scratch.code[i] = code;
    scratch.completion[i] = nd;
    const np = out.promptTokens;
    flops += callFlops(g.specs[i]!, np, nd).total;
    const f = start + callLatency(world, m, np, nd);
    scratch.finish[i] = f;
    if (f > latency) latency = f;
  }
  const answer = scratch.code[g.output]!;
  const r = result ?? { correct: false, answer: 0, flops: 0, latencyMs: 0, calls: 0, truncated: 0 };
  r.truncated = truncated;
  r.correct = answer === CORRECT;
  r.answer = answer;
  r.flops = flops;
  r.latencyMs = latency;
  r.calls = g.n;
  return r;
}

/** Ground truth with the extra numbers the simulator knows. */
export interface SimTruth extends GroundTruth {
  correct: number;
  /** 95% interval of the accuracy (normal approximation; the item count is large). */
  low: number;
  high: number;
  /** Mean FLOPs divided by the task's budget unit. */
  meanUnits: number;
  /** Node calls simulated. */
  calls: number;
  /** First item index used (population items, never a split's). */
  firstItem: number;
  /** Calls whose output was cut at the token cap (their answer lost), and the cap. */
  truncatedCalls: number;
  maxTokens: number;
}

export interface TruthOptions {
  /** Items to average over (default 20,000). */
  items?: number | undefined;
  /** Offset into the population stream: different offsets give independent estimates. */
  offset?: number | undefined;
  modelMap?: ReadonlyMap<string, string> | undefined;
  specs?: ReadonlyMap<string, FlopsSpec> | undefined;
  /** FLOPs of one budget unit, for meanUnits. */
  unitFlops?: number | undefined;
  /** Most tokens per call (default {@link DEFAULT_MAX_TOKENS}, the search's). */
  maxTokens?: number | undefined;
}

export const DEFAULT_TRUTH_ITEMS = 20_000;

/** Expected accuracy (with its standard error), FLOPs and latency of a graph over fresh population items. */
export function simTruth(world: SimWorld, graph: Graph, options: TruthOptions = {}): SimTruth {
  const items = options.items ?? DEFAULT_TRUTH_ITEMS;
  if (!Number.isSafeInteger(items) || items < 1) throw new UserError(`items must be a positive whole number, got ${items}`, { code: "invalid_items" });
  const g = compileGraph(world, graph, { modelMap: options.modelMap, specs: options.specs, maxTokens: options.maxTokens });
  const scratch = new RunScratch(g.n);
  const r: ItemRun = { correct: false, answer: 0, flops: 0, latencyMs: 0, calls: 0, truncated: 0 };
  const first = POPULATION_BASE + (options.offset ?? 0);
  let correct = 0;
  let flops = 0;
  let latency = 0;
  let truncated = 0;
  for (let i = 0; i < items; i++) {
    runCompiled(world, g, first + i, scratch, r);
    truncated += r.truncated;
    if (r.correct) correct++;
    flops += r.flops;
    latency += r.latencyMs;
  }
  const acc = correct / items;
  const stderr = Math.sqrt((acc * (1 - acc)) / items);
  const unit = options.unitFlops ?? world.profile.task.tokens.unitFlops ?? cheapestCallFlops(world);
  return {
    accuracy: acc,
    stderr,
    low: Math.max(0, acc - 1.959964 * stderr),
    high: Math.min(1, acc + 1.959964 * stderr),
    correct,
    meanFlops: flops / items,
    meanUnits: flops / items / unit,
    meanLatencyMs: latency / items,
    items,
    calls: items * g.n,
    firstItem: first,
    truncatedCalls: truncated,
    maxTokens: g.maxTokens,
  };
}

/** FLOPs of one call of the world's cheapest model at the task's mean lengths: the default budget unit. */
export function cheapestCallFlops(world: SimWorld): number {
  const t = world.profile.task.tokens;
  return Math.min(...world.models.map((m) => callFlops(m.spec, t.prompt, t.output).total));
}
