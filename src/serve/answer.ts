/**
 * One request's run of a served graph. The rules it applies, which the README documents:
 *
 * - conversation: every node's prompt is its task's, with the client's system prompt and earlier
 *   turns around the question (see conversation.ts);
 * - sampling: the request's `temperature`, `top_p` and `max_tokens` replace the served sampling of
 *   the output node only (the node whose text the client receives); the other nodes keep theirs;
 *   `stop` cuts the output node's text at the first stop sequence;
 * - seed: a request's `seed` is the run seed of its calls and picks its sample indices, so the same
 *   request with the same seed gets the same answer (possibly from the cache); a request without one
 *   gets a fresh random seed (reported), so it samples afresh and is never answered from the cache.
 */
import { randomInt } from "node:crypto";
import { UserError } from "../errors.js";
import type { BaseSampling, ExecContext } from "../exec/context.js";
import { runGraph, type PreparedGraph } from "../exec/run.js";
import { EndpointDownError } from "../models/errors.js";
import type { NodeTrace, Trace } from "../exec/types.js";
import type { TaskItem } from "../tasks/types.js";
import { streamKey } from "../util/rng.js";
import { inConversation } from "./conversation.js";
import { HttpError } from "./errors.js";
import type { Conversation } from "./schema.js";

/** A graph served as a model, with the context its requests run in. */
export interface ServedGraph {
  /** The model id clients name (unique on the server). */
  id: string;
  graph: PreparedGraph;
  /** Task, pool, providers, cache, concurrency, sampling and run seed of its requests. */
  ctx: ExecContext;
  /** The task item a question is, when it is one (asked as that item); else it is asked as a new question. */
  findItem?: ((question: string) => TaskItem | undefined) | undefined;
  /** Where the graph was read from (a run folder or a graph file), shown in the model list. */
  source?: string | undefined;
}

/** What a request asks of a graph. */
export interface Ask {
  conversation: Conversation;
  seed: number | undefined;
  /** Sampling of the output node, from the request. */
  sampling: Partial<BaseSampling>;
  signal: AbortSignal;
  /** Told the output node's text as it is generated, when its provider streams. */
  onText?: ((delta: string, atMs: number) => void) | undefined;
}

/** A finished run. */
export interface Answered {
  trace: Trace;
  item: TaskItem | undefined;
  seed: number;
}

/** Largest seed drawn for a request without one (seeds up to 2^31 - 1 fit every server). */
const MAX_DRAWN_SEED = 2 ** 31 - 1;

/** The first sample index of a request's calls: a function of its seed, far apart for different seeds. */
export function requestSampleBase(seed: number): number {
  return streamKey(seed, "request") >>> 9;
}

/** Run the graph for a request. A failed node gives an errored trace; an abort throws the abort's reason. */
export async function answer(g: ServedGraph, ask: Ask): Promise<Answered> {
  const seed = ask.seed ?? randomInt(MAX_DRAWN_SEED);
  const known = g.findItem?.(ask.conversation.question);
  const item: TaskItem = known ?? { id: "question", question: ask.conversation.question, answer: "" };
  const ctx: ExecContext = { ...g.ctx, seed, task: inConversation(g.ctx.task, ask.conversation) };
  let trace: Trace;
  try {
    trace = await runGraph(g.graph, item, ctx, {
      grade: false,
      keepPrompts: false,
      keepText: false,
      signal: ask.signal,
      sampleBase: requestSampleBase(seed),
      output: { sampling: ask.sampling, onText: ask.onText },
    });
  } catch (err) {
    if (err instanceof UserError) throw new HttpError(500, err.code, `the server cannot run graph "${g.id}": ${err.message}`, { cause: err });
    if (err instanceof EndpointDownError) throw new HttpError(503, err.code, `graph "${g.id}" cannot answer now: ${err.message}`, { cause: err });
    throw err;
  }
  // A run cut short by the client or by shutdown is answered as such, not as a failed node.
  if (ask.signal.aborted && ask.signal.reason instanceof HttpError) throw ask.signal.reason;
  return { trace, item: known, seed };
}

/** The error of a run whose node failed: 502, naming the node and its model. */
export function nodeFailure(g: ServedGraph, trace: Trace): HttpError {
  const node = trace.error?.node;
  const model = trace.nodes.find((n) => n.id === node)?.model;
  const what = node !== undefined ? `node "${node}"${model !== undefined ? ` (model ${model})` : ""}` : "a node";
  return new HttpError(502, "node_failed", `graph "${g.id}" could not answer: ${what} failed: ${trace.error?.message ?? "unknown error"}`, {
    type: "server_error",
    ...(node !== undefined ? { node } : {}),
  });
}

/** The output node's trace. */
export function outputNode(trace: Trace): NodeTrace | undefined {
  return trace.nodes.find((n) => n.isOutput);
}
