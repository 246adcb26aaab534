/**
 * Running a graph on one item. Nodes that cannot reach the output are dropped (as the cost plan
 * drops them); the rest run level by level, the nodes of a level concurrently. Each node gets the
 * question and its predecessors' outputs (with their extracted answers) and the prompt its task
 * renders. A node whose call finally fails makes the item errored, never wrong, and nothing
 * downstream of it runs.
 */
import { addEntry, measuredEntry, type LedgerTotals } from "../cost/ledger.js";
import { TtsGraphError, UserError } from "../errors.js";
import { canonicalOrder, graphHash } from "../graph/canonical.js";
import type { Graph, GraphNode } from "../graph/schema.js";
import { adjacency, reachesOutput, topologicalOrder } from "../graph/topology.js";
import { EndpointDownError, RetryError } from "../models/errors.js";
import type { CallRequest, ChatMessage } from "../models/provider.js";
import { callSampling } from "../models/sampling.js";
import type { ModelSpec } from "../models/spec.js";
import { renderPrompt } from "../tasks/prompts.js";
import type { Reference, TaskItem } from "../tasks/types.js";
import { streamKey } from "../util/rng.js";
import type { BaseSampling, ExecContext } from "./context.js";
import type { NodeTrace, Trace } from "./types.js";

/** A graph analysed once for repeated runs: levels of useful nodes, predecessors, canonical ranks. */
export interface PreparedGraph {
  readonly graph: Graph;
  readonly hash: string;
  /** Node indices by level, each level sorted by canonical rank. Only nodes that reach the output. */
  readonly levels: readonly (readonly number[])[];
  /** Predecessor indices in edge-file order. */
  readonly preds: readonly (readonly number[])[];
  readonly outputIndex: number;
  /** The model of each node. */
  readonly specs: readonly ModelSpec[];
}

/** Options of a single run. */
export interface RunOptions {
  /** Keep each node's rendered prompt in the trace (default true). */
  keepPrompts?: boolean | undefined;
  /** Keep the text of non-output nodes (default true); the output text is always kept. */
  keepText?: boolean | undefined;
  /** Grade the output against the item's gold answer (default true); when false `correct` stays null. */
  grade?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The output node's call only: sampling that replaces the context's (a served request's own
   * temperature, top_p, max_tokens), and a listener told its text as it is generated.
   */
  output?: { sampling?: Partial<BaseSampling> | undefined; onText?: CallRequest["onText"] } | undefined;
  /** Sample index of the first of identical calls (default 0): runs with other bases draw other samples. */
  sampleBase?: number | undefined;
}

/**
 * Check a graph against the context (acyclic, models in the pool) and analyse it for running.
 *
 * @example
 * ```ts
 * import { createExecContext, parseGraph, prepareGraph, resolvePool, resolveProviders, resolveTask, runGraph } from "tts-graph";
 *
 * const task = resolveTask("sim:math");
 * const pool = resolvePool("sim:llama");
 * const ctx = createExecContext({ task, models: pool.pool.models, providers: resolveProviders(pool, { task }) });
 * const graph = parseGraph({ version: 1, nodes: [{ id: "a", role: "assistant", model: "llama-3b" }], edges: [], output: "a" });
 * const prepared = prepareGraph(graph, ctx); // checked and analysed once, then run on many items
 * for (const item of task.items("test").slice(0, 3)) console.log((await runGraph(prepared, item, ctx)).answer);
 * ```
 */
export function prepareGraph(graph: Graph, ctx: Pick<ExecContext, "models">): PreparedGraph {
  const adj = adjacency(graph);
  const order = topologicalOrder(adj);
  if (!order) throw new UserError("the graph has a cycle and cannot run", { code: "cycle" });
  const outputIndex = adj.index.get(graph.output);
  if (outputIndex === undefined) throw new UserError(`the graph's output "${graph.output}" is not one of its nodes`, { code: "no_output_node" });
  const specs = graph.nodes.map((n, i) => {
    const m = ctx.models.get(n.model);
    if (!m) {
      throw new UserError(`node "${n.id}" uses model "${n.model}", which is not in the pool (pool models: ${[...ctx.models.keys()].join(", ")})`, {
        code: "unknown_model",
        issues: [{ code: "unknown_model", path: `nodes[${i}].model`, message: `"${n.model}" is not in the pool` }],
      });
    }
    return m;
  });
  const useful = reachesOutput(adj, graph.output);
  const rank = new Array<number>(graph.nodes.length);
  canonicalOrder(graph).forEach((v, r) => (rank[v] = r));
  const level = new Array<number>(graph.nodes.length).fill(0);
  for (const i of order) for (const p of adj.preds[i]!) level[i] = Math.max(level[i]!, level[p]! + 1);
  const levels: number[][] = [];
  graph.nodes.forEach((n, i) => {
    if (useful.has(n.id)) (levels[level[i]!] ??= []).push(i);
  });
  const compact = levels.filter((l) => l !== undefined).map((l) => l.sort((a, b) => rank[a]! - rank[b]!));
  return { graph, hash: graphHash(graph), levels: compact, preds: adj.preds, outputIndex, specs };
}

/** The sampling seed sent with a call: derived from the run seed and the sample index, a non-negative 31-bit integer. */
export function samplingSeed(runSeed: number, sampleIndex: number): number {
  return streamKey(runSeed, "sample", sampleIndex) >>> 1;
}

/**
 * Counts identical calls (same model, same messages) in the order nodes are rendered. Messages are
 * grouped by a cheap fingerprint (model and content lengths) and compared in full only within a
 * group, so distinct nodes cost no string building.
 */
class SampleCounter {
  private readonly groups = new Map<string, { messages: ChatMessage[]; count: number }[]>();

  /** How many identical calls were seen before this one; records this one. */
  next(model: string, messages: ChatMessage[]): number {
    let fp = model;
    for (const m of messages) fp += `|${m.role}:${m.content.length}`;
    let group = this.groups.get(fp);
    if (!group) this.groups.set(fp, (group = []));
    const same = group.find((e) => e.messages.every((m, k) => m.role === messages[k]!.role && m.content === messages[k]!.content));
    if (same) return same.count++;
    group.push({ messages, count: 1 });
    return 0;
  }
}

/** What a node's call produced; the rest of its trace comes from the call itself. */
type NodeOutcome = Omit<NodeTrace, "id" | "model" | "role" | "isOutput" | "prompt" | "sampleIndex" | "startMs">;

/** One literal with a fixed shape (no spreads): it is built once per node call, the hot path. */
function nodeTrace(c: { node: GraphNode; isOutput: boolean; sampleIndex: number; startMs: number }, prompt: ChatMessage[], o: NodeOutcome): NodeTrace {
  return {
    id: c.node.id,
    model: c.node.model,
    role: c.node.role,
    isOutput: c.isOutput,
    prompt,
    sampleIndex: c.sampleIndex,
    startMs: c.startMs,
    text: o.text,
    reasoning: o.reasoning,
    answer: o.answer,
    promptTokens: o.promptTokens,
    completionTokens: o.completionTokens,
    estimated: o.estimated,
    flops: o.flops,
    dollars: o.dollars,
    latencyMs: o.latencyMs,
    finishReason: o.finishReason,
    cached: o.cached,
    cache: o.cache,
    attempts: o.attempts,
    warnings: o.warnings,
    error: o.error,
  };
}

function errorInfo(err: unknown): { code: string; message: string } {
  if (TtsGraphError.isInstance(err)) return { code: err.code, message: err.message };
  return { code: "provider_error", message: err instanceof Error ? err.message : String(err) };
}

/**
 * Run a graph on one item and grade the output. Throws only for user errors (bad graph, missing API
 * key) and for a model whose endpoint is down; a failed call makes the trace errored.
 *
 * A node's sample index counts the nodes before it with the same model and the same rendered
 * messages, in the order (level, canonical rank). The order depends only on the graph's structure,
 * so renaming or reordering the file changes no index; parallel identical nodes get 0, 1, 2, ...
 * and so distinct cache entries and distinct sampling seeds.
 *
 * @example
 * ```ts
 * import { createExecContext, parseGraph, resolvePool, resolveProviders, resolveTask, runGraph } from "tts-graph";
 *
 * const task = resolveTask("sim:math");
 * const pool = resolvePool("sim:llama");
 * const ctx = createExecContext({ task, models: pool.pool.models, providers: resolveProviders(pool, { task }) });
 * const graph = parseGraph({ version: 1, nodes: [{ id: "a", role: "assistant", model: "llama-3b" }], edges: [], output: "a" });
 * const trace = await runGraph(graph, task.items("test")[0]!, ctx);
 * console.log(trace.answer, trace.correct, trace.nodes.map((n) => n.latencyMs));
 * ```
 */
export async function runGraph(graph: Graph | PreparedGraph, item: TaskItem, ctx: ExecContext, options: RunOptions = {}): Promise<Trace> {
  const g = "levels" in graph ? graph : prepareGraph(graph, ctx);
  const { task } = ctx;
  const keepPrompts = options.keepPrompts ?? true;
  const keepText = options.keepText ?? true;
  const signal = options.signal ?? ctx.signal;
  // Set up every provider that will run before calling any, so a configuration error stops the run cleanly.
  // Per-node arrays rather than maps: this runs once per node call, the executor's hot path.
  const count = g.graph.nodes.length;
  const providers = new Array<ReturnType<ExecContext["provider"]>>(count);
  for (const level of g.levels) for (const i of level) providers[i] = ctx.provider(g.specs[i]!);
  const done = new Array<NodeTrace | undefined>(count);
  const fullText = new Array<string | undefined>(count);
  const samples = new SampleCounter();
  const sampleBase = options.sampleBase ?? 0;
  let failed: { node: string; code: string; message: string } | undefined;

  for (const level of g.levels) {
    const calls = level.map((i) => {
      const node = g.graph.nodes[i]!;
      const references: Reference[] = g.preds[i]!.map((p) => {
        const pn = g.graph.nodes[p]!;
        const text = fullText[p]!;
        return { nodeId: pn.id, model: pn.model, role: pn.role, text, answer: done[p]!.answer };
      });
      const isOutput = i === g.outputIndex;
      const messages = renderPrompt(task, { role: node.role, isOutput, item, references });
      const sampleIndex = sampleBase + samples.next(node.model, messages);
      let startMs = 0;
      for (const p of g.preds[i]!) {
        const t = done[p]!;
        startMs = Math.max(startMs, t.startMs + t.latencyMs);
      }
      const request: CallRequest = {
        model: g.specs[i]!,
        messages,
        // A served request's own sampling replaces the run's for the output node only.
        sampling: { ...callSampling(ctx.sampling, ctx.samplingRoles, node.role, g.specs[i]!), ...(isOutput ? options.output?.sampling : undefined), seed: samplingSeed(ctx.seed, sampleIndex) },
        sampleIndex,
        signal,
        metadata: { role: node.role, isOutput, style: task.style, taskId: task.id, item: { id: item.id, question: item.question }, references },
        onText: isOutput ? options.output?.onText : undefined,
      };
      return { i, node, isOutput, messages, sampleIndex, startMs, request };
    });

    const traces = await Promise.all(
      calls.map(async (c): Promise<NodeTrace> => {
        const prompt = keepPrompts ? c.messages : ([] as ChatMessage[]);
        try {
          const r = await providers[c.i]!.generate(c.request);
          // The context's providers carry the usage-estimate middleware: both counts are present, and
          // `estimated` says whether either was filled in.
          const promptTokens = r.usage.promptTokens!;
          const completionTokens = r.usage.completionTokens!;
          const estimated = r.usage.estimated === true;
          const entry = measuredEntry(ctx.costModels.get(c.node.model)!, promptTokens, completionTokens, estimated, r.latencyMs);
          fullText[c.i] = r.text;
          return nodeTrace(c, prompt, {
            text: keepText || c.isOutput ? r.text : "",
            reasoning: keepText ? r.reasoning : undefined,
            answer: task.extract(r.text, item),
            promptTokens,
            completionTokens,
            estimated,
            flops: entry.flops,
            dollars: entry.dollars,
            latencyMs: r.latencyMs,
            finishReason: r.finishReason,
            cached: r.cache === "hit",
            // Undefined when the call was not subject to a cache (left out of JSON).
            cache: r.cache,
            attempts: r.attempts ?? 1,
            warnings: r.warnings,
          });
        } catch (err) {
          // A model whose endpoint is down stops the run: the items left are not errored, they are not run.
          if (err instanceof UserError || err instanceof EndpointDownError) throw err;
          return nodeTrace(c, prompt, {
            text: "",
            reasoning: undefined,
            answer: null,
            promptTokens: 0,
            completionTokens: 0,
            estimated: false,
            flops: 0,
            dollars: undefined,
            latencyMs: 0,
            finishReason: "error",
            cached: false,
            attempts: err instanceof RetryError ? err.errors.length : 1,
            warnings: [],
            error: errorInfo(err),
          });
        }
      }),
    );
    for (let k = 0; k < traces.length; k++) {
      const t = traces[k]!;
      done[calls[k]!.i] = t;
      if (t.error && !failed) failed = { node: t.id, ...t.error };
    }
    if (failed) break;
  }

  // Nodes in file order; totals over the calls that succeeded, summed in that order.
  const nodes: NodeTrace[] = [];
  const totals: LedgerTotals = { calls: 0, promptTokens: 0, completionTokens: 0, flops: 0, dollars: undefined, latencyMs: 0, estimated: false, estimatedCalls: 0 };
  // The critical path: every node's start is already the latest finish of its predecessors, and
  // nodes that did not run finish no later than their predecessors, so it is the latest finish.
  let latencyMs = 0;
  for (let i = 0; i < count; i++) {
    const t = done[i];
    if (!t) continue;
    nodes.push(t);
    if (!t.error) addEntry(totals, t);
    const finish = t.startMs + t.latencyMs;
    if (finish > latencyMs) latencyMs = finish;
  }
  // Every outcome below is one fixed-shape literal (no spreads): it is built once per item.
  const trace = (answer: string | null, output: string, correct: boolean | null, error?: Trace["error"]): Trace => {
    const t: Trace = { itemId: item.id, graphHash: g.hash, nodes, flops: totals.flops, dollars: totals.dollars, latencyMs, estimated: totals.estimated, answer, output, correct, errored: error !== undefined, unreadable: false };
    if (error) t.error = error;
    return t;
  };

  if (failed) return trace(null, "", null, { code: failed.code, message: failed.message, node: failed.node });
  const out = done[g.outputIndex]!;
  const output = fullText[g.outputIndex]!;
  if (options.grade === false) return trace(out.answer, output, null);
  try {
    const grade = await task.grade(item, output);
    const t = trace(out.answer, output, grade.correct);
    t.unreadable = grade.extracted === null;
    if (grade.reason !== undefined) t.gradeReason = grade.reason;
    return t;
  } catch (err) {
    if (err instanceof UserError) throw err;
    return trace(out.answer, output, null, { code: "grade_failed", message: `grading failed: ${errorInfo(err).message}`, node: out.id });
  }
}
