/**
 * The OpenAI-compatible endpoint as a function from a web `Request` to a `Response`: `GET /v1/models`
 * lists the served graphs, `POST /v1/chat/completions` runs one on the last user message. It binds
 * no port (see `listen` for that), so it can be called in-process.
 *
 * A request runs the graph once with the server's execution context: its model calls share the
 * context's concurrency limit with every other request in flight. The request's `seed`, when given,
 * replaces the run seed, so a client sampling a served graph several times gets distinct samples,
 * and the same request with the same seed gets the same answer. A node whose call failed makes the
 * request fail with 502, naming the node: the server never answers with a partial graph's output.
 */
import { UserError } from "../errors.js";
import { runGraph, type PreparedGraph } from "../exec/run.js";
import { EndpointDownError } from "../models/errors.js";
import type { ExecContext } from "../exec/context.js";
import type { NodeTrace, Trace } from "../exec/types.js";
import type { TaskItem } from "../tasks/types.js";
import { errorResponse, HttpError, jsonResponse } from "./errors.js";
import { checkSupported, ignoredSampling, lastUserMessage, parseChatRequest, type ChatRequest } from "./schema.js";

/** Largest request body accepted by default (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

/** A graph served as a model. */
export interface ServedGraph {
  /** The model id clients name (unique on the server). */
  id: string;
  graph: PreparedGraph;
  /** Where the graph was read from, shown in the model list. */
  source?: string | undefined;
}

export interface ServeHandlerOptions {
  graphs: readonly ServedGraph[];
  /** The context every request runs in (task, pool, providers, cache, concurrency, sampling, seed). */
  ctx: ExecContext;
  /** The task item a question is, when it is one (asked as that item); else it is asked as a new question. */
  findItem?: ((question: string) => TaskItem | undefined) | undefined;
  maxBodyBytes?: number | undefined;
  /** Told about anything unexpected (a bug), which is answered with a 500. */
  onError?: ((err: unknown) => void) | undefined;
}

export type ServeHandler = (request: Request) => Promise<Response>;

/** Token usage of a request, in the OpenAI shape. */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One node of the trace returned in `tts_graph.nodes`. */
export interface ServedNodeTrace {
  id: string;
  model: string;
  role: string;
  output: boolean;
  prompt_tokens: number;
  completion_tokens: number;
  estimated: boolean;
  flops: number;
  dollars: number | null;
  latency_ms: number;
  start_ms: number;
  finish_reason: string;
  answer: string | null;
  cached: boolean;
  attempts: number;
  error: { code: string; message: string } | null;
}

/** The extra top-level field of a completion: what the graph did. */
export interface ServedTrace {
  graph_hash: string;
  /** The answer the task's extractor reads from the output. */
  answer: string | null;
  /** The task item the question was asked as, or null for a new question. */
  item_id: string | null;
  seed: number;
  flops: number;
  dollars: number | null;
  /** Critical path through the graph. */
  latency_ms: number;
  /** True when some token count was estimated because a server did not report it. */
  estimated: boolean;
  warnings: string[];
  nodes: ServedNodeTrace[];
}

/** Usage summed over every node that ran. */
export function sumUsage(nodes: readonly Pick<NodeTrace, "promptTokens" | "completionTokens">[]): ChatUsage {
  let prompt = 0;
  let completion = 0;
  for (const n of nodes) {
    prompt += n.promptTokens;
    completion += n.completionTokens;
  }
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function nodeTrace(n: NodeTrace): ServedNodeTrace {
  return {
    id: n.id,
    model: n.model,
    role: n.role,
    output: n.isOutput,
    prompt_tokens: n.promptTokens,
    completion_tokens: n.completionTokens,
    estimated: n.estimated,
    flops: n.flops,
    dollars: n.dollars ?? null,
    latency_ms: n.latencyMs,
    start_ms: n.startMs,
    finish_reason: n.finishReason,
    answer: n.answer,
    cached: n.cached,
    attempts: n.attempts,
    error: n.error ?? null,
  };
}

function servedTrace(trace: Trace, item: TaskItem | undefined, seed: number, warnings: string[]): ServedTrace {
  return {
    graph_hash: trace.graphHash,
    answer: trace.answer,
    item_id: item?.id ?? null,
    seed,
    flops: trace.flops,
    dollars: trace.dollars ?? null,
    latency_ms: trace.latencyMs,
    estimated: trace.estimated,
    warnings,
    nodes: trace.nodes.map(nodeTrace),
  };
}

/** The output node's finish reason as OpenAI names it. */
function finishReason(trace: Trace): "stop" | "length" | "content_filter" {
  const out = trace.nodes.find((n) => n.isOutput);
  return out?.finishReason === "length" ? "length" : out?.finishReason === "content_filter" ? "content_filter" : "stop";
}

/** Pieces of a text for streaming: runs of whole words of about `size` characters. */
export function streamPieces(text: string, size = 64): string[] {
  const out: string[] = [];
  let cur = "";
  for (const w of text.match(/\s*\S+\s*|\s+/g) ?? []) {
    cur += w;
    if (cur.length >= size) {
      out.push(cur);
      cur = "";
    }
  }
  if (cur !== "") out.push(cur);
  return out;
}

/** Read a body, refusing one larger than the limit. */
async function readBody(request: Request, max: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  const tooLarge = () => new HttpError(413, "body_too_large", `the request body is larger than the server accepts (${max} bytes)`);
  if (Number.isFinite(declared) && declared > max) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString("utf8");
}

function parseJson(text: string): unknown {
  if (text.trim() === "") throw new HttpError(400, "invalid_json", "the request body is empty: send a JSON object with `model` and `messages`");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, "invalid_json", `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function methodNotAllowed(method: string, path: string, allow: string): HttpError {
  return new HttpError(405, "method_not_allowed", `${method} is not allowed on ${path}: use ${allow}`, { headers: { allow } });
}

/** Build the handler. */
export function createServeHandler(options: ServeHandlerOptions): ServeHandler {
  const byId = new Map<string, ServedGraph>();
  for (const g of options.graphs) {
    if (byId.has(g.id)) throw new UserError(`two served graphs have the model id "${g.id}"`, { code: "duplicate_model_id" });
    byId.set(g.id, g);
  }
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { ctx } = options;
  const created = Math.floor(Date.now() / 1000);
  const idPrefix = `chatcmpl-${Date.now().toString(36)}`;
  let served = 0;

  const modelObject = (g: ServedGraph) => ({
    id: g.id,
    object: "model" as const,
    created,
    owned_by: "tts-graph",
    tts_graph: {
      graph_hash: g.graph.hash,
      source: g.source ?? null,
      description: g.graph.graph.description ?? null,
      nodes: g.graph.graph.nodes.length,
      task: ctx.task.id,
    },
  });

  const unknownModel = (id: string, param: string | null) =>
    new HttpError(404, "model_not_found", `the model "${id}" does not exist on this server; it serves ${[...byId.keys()].map((k) => `"${k}"`).join(", ")} (GET /v1/models lists them)`, { param });

  async function chat(request: Request): Promise<Response> {
    const req = parseChatRequest(parseJson(await readBody(request, maxBody)));
    checkSupported(req);
    const g = byId.get(req.model);
    if (!g) throw unknownModel(req.model, "model");
    const question = lastUserMessage(req);
    const seed = req.seed ?? ctx.seed;
    const known = options.findItem?.(question);
    const item: TaskItem = known ?? { id: "question", question, answer: "" };
    let trace: Trace;
    try {
      trace = await runGraph(g.graph, item, seed === ctx.seed ? ctx : { ...ctx, seed }, { grade: false, keepPrompts: false, signal: request.signal });
    } catch (err) {
      if (err instanceof UserError) throw new HttpError(500, err.code, `the server cannot run graph "${g.id}": ${err.message}`, { cause: err });
      if (err instanceof EndpointDownError) throw new HttpError(503, err.code, `graph "${g.id}" cannot answer now: ${err.message}`, { cause: err });
      throw err;
    }
    const extra = servedTrace(trace, known, seed, ignoredSampling(req));
    if (trace.errored) {
      const node = trace.error?.node;
      const model = trace.nodes.find((n) => n.id === node)?.model;
      const what = node !== undefined ? `node "${node}"${model !== undefined ? ` (model ${model})` : ""}` : "a node";
      const err = new HttpError(502, "node_failed", `graph "${g.id}" could not answer: ${what} failed: ${trace.error?.message ?? "unknown error"}`, {
        type: "server_error",
        ...(node !== undefined ? { node } : {}),
      });
      return jsonResponse(502, { ...err.body(), tts_graph: extra });
    }
    return completion(req, g, trace, extra);
  }

  function completion(req: ChatRequest, g: ServedGraph, trace: Trace, extra: ServedTrace): Response {
    const id = `${idPrefix}-${++served}`;
    const base = { id, created: Math.floor(Date.now() / 1000), model: g.id, system_fingerprint: g.graph.hash };
    const usage = sumUsage(trace.nodes);
    const finish = finishReason(trace);
    if (!req.stream) {
      return jsonResponse(200, {
        ...base,
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: trace.output, refusal: null }, logprobs: null, finish_reason: finish }],
        usage,
        tts_graph: extra,
      });
    }
    // The graph's answer exists only once its output node has finished, so the stream carries the final text.
    const chunk = (choices: unknown[], more: Record<string, unknown> = {}) => `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices, ...more })}\n\n`;
    const events = [chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }])];
    for (const p of streamPieces(trace.output)) events.push(chunk([{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }]));
    events.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]));
    if (req.stream_options?.include_usage !== false) events.push(chunk([], { usage, tts_graph: extra }));
    events.push("data: [DONE]\n\n");
    return new Response(events.join(""), { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
  }

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = request.method.toUpperCase();
    if (path === "/v1/models") {
      if (method !== "GET") throw methodNotAllowed(method, path, "GET");
      return jsonResponse(200, { object: "list", data: [...byId.values()].map(modelObject) });
    }
    if (path.startsWith("/v1/models/")) {
      if (method !== "GET") throw methodNotAllowed(method, path, "GET");
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      const g = byId.get(id);
      if (!g) throw unknownModel(id, null);
      return jsonResponse(200, modelObject(g));
    }
    if (path === "/v1/chat/completions") {
      if (method !== "POST") throw methodNotAllowed(method, path, "POST");
      return chat(request);
    }
    throw new HttpError(404, "unknown_path", `no such endpoint: ${method} ${url.pathname} (this server answers GET /v1/models and POST /v1/chat/completions)`);
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err);
      options.onError?.(err);
      return errorResponse(new HttpError(500, "internal_error", `internal error: ${err instanceof Error ? err.message : String(err)}`));
    }
  };
}
