/**
 * The OpenAI-compatible endpoint as a function from a web `Request` to a `Response`:
 *
 *     GET  /v1/models, /v1/models/ID   the served graphs
 *     POST /v1/chat/completions        a graph answers a conversation
 *     POST /v1/completions             a graph answers a prompt
 *     GET  /health                     200 once every model the graphs call has answered a probe, else 503
 *     GET  /metrics                    Prometheus text format
 *
 * It binds no port (see `listen` for that), so it can be called in-process. With an API key, the
 * `/v1` endpoints want `Authorization: Bearer KEY` and answer 401 otherwise; `/health` and
 * `/metrics` stay open, for load balancers and scrapers. A request's graph calls share its
 * context's concurrency limit with every other request in flight; a node whose call failed makes the
 * request fail with 502, naming the node: the server never answers with a partial graph's output.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { UserError } from "../errors.js";
import type { ModelSpec } from "../models/spec.js";
import type { Ask, ServedGraph } from "./answer.js";
import { errorResponse, HttpError, jsonResponse } from "./errors.js";
import { HealthTracker } from "./health.js";
import { ServeMetrics } from "./metrics.js";
import { CHAT_SHAPE, COMPLETION_SHAPE, streamedResponse, wholeResponse, type Outcome, type Respond, type Shape } from "./respond.js";
import { conversationOf, parseChatRequest, parseCompletionRequest, promptConversation, stopSequences, type ChatRequest, type CompletionRequest } from "./schema.js";

/** Largest request body accepted by default (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

export interface ServeHandlerOptions {
  graphs: readonly ServedGraph[];
  maxBodyBytes?: number | undefined;
  /** The key clients must send as `Authorization: Bearer KEY`; none when undefined. */
  apiKey?: string | undefined;
  metrics?: ServeMetrics | undefined;
  /** Readiness of the pool models (default: a tracker of the models the graphs call, probed now). */
  health?: HealthTracker | undefined;
  /** Told about anything unexpected (a bug), which is answered with a 500. */
  onError?: ((err: unknown) => void) | undefined;
}

export type ServeHandler = (request: Request) => Promise<Response>;

const ENDPOINTS = new Set(["/v1/models", "/v1/chat/completions", "/v1/completions", "/health", "/metrics"]);

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
  if (text.trim() === "") throw new HttpError(400, "invalid_json", "the request body is empty: send a JSON object");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, "invalid_json", `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function methodNotAllowed(method: string, path: string, allow: string): HttpError {
  return new HttpError(405, "method_not_allowed", `${method} is not allowed on ${path}: use ${allow}`, { headers: { allow } });
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** 401 unless the request carries the key (compared in constant time). */
function checkKey(request: Request, key: string): void {
  const header = request.headers.get("authorization") ?? "";
  const given = /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] ?? "";
  if (given !== "" && timingSafeEqual(digest(given), digest(key))) return;
  const message = given === "" ? "no API key was sent: send it as `Authorization: Bearer KEY` (the openai clients' api_key)" : "the API key is wrong";
  throw new HttpError(401, "invalid_api_key", message, { headers: { "www-authenticate": "Bearer" } });
}

/** A served graph as `/v1/models` lists it. */
function modelObject(g: ServedGraph, created: number) {
  return {
    id: g.id,
    object: "model" as const,
    created,
    owned_by: "tts-graph",
    tts_graph: {
      graph_hash: g.graph.hash,
      source: g.source ?? null,
      description: g.graph.graph.description ?? null,
      nodes: g.graph.graph.nodes.length,
      task: g.ctx.task.id,
      streams: g.ctx.provider(g.graph.specs[g.graph.outputIndex]!).streams === true,
    },
  };
}

/** What a completion request of either endpoint asks: the model, the run, and how to answer. */
function parseAsk(data: unknown, chat: boolean, signal: AbortSignal): Pick<Respond, "ask" | "stops" | "stream" | "includeUsage"> & { model: string } {
  const req = chat ? parseChatRequest(data) : parseCompletionRequest(data);
  const conversation = chat ? conversationOf(req as ChatRequest) : promptConversation(req as CompletionRequest);
  const maxTokens = req.max_tokens ?? (chat ? (req as ChatRequest).max_completion_tokens : undefined);
  const ask: Ask = {
    conversation,
    seed: req.seed ?? undefined,
    sampling: {
      ...(req.temperature != null ? { temperature: req.temperature } : {}),
      ...(req.top_p != null ? { topP: req.top_p } : {}),
      ...(maxTokens != null ? { maxTokens } : {}),
    },
    signal,
  };
  return { model: req.model, ask, stops: stopSequences(req), stream: req.stream === true, includeUsage: req.stream_options?.include_usage === true };
}

/**
 * Build the handler.
 *
 * @example
 * ```ts
 * import { createExecContext, createServeHandler, listen, parseGraph, prepareGraph, resolvePool, resolveProviders, resolveTask } from "tts-graph";
 *
 * const task = resolveTask("sim:math");
 * const pool = resolvePool("sim:llama");
 * const ctx = createExecContext({ task, models: pool.pool.models, providers: resolveProviders(pool, { task }) });
 * const graph = parseGraph({ version: 1, nodes: [{ id: "a", role: "assistant", model: "llama-3b" }], edges: [], output: "a" });
 * const handler = createServeHandler({ graphs: [{ id: "single", graph: prepareGraph(graph, ctx), ctx }] });
 * const server = await listen(handler, { port: 0 });
 * console.log(`${server.url}/v1`);
 * await server.close();
 * ```
 */
export function createServeHandler(options: ServeHandlerOptions): ServeHandler {
  const byId = new Map<string, ServedGraph>();
  for (const g of options.graphs) {
    if (byId.has(g.id)) throw new UserError(`two served graphs have the model id "${g.id}"`, { code: "duplicate_model_id" });
    byId.set(g.id, g);
  }
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const metrics = options.metrics ?? new ServeMetrics();
  const models = new Map<string, ModelSpec>();
  for (const g of options.graphs) for (const s of g.graph.specs) models.set(s.id, s);
  const health = options.health ?? new HealthTracker([...models.values()]);
  void health.refresh();
  const created = Math.floor(Date.now() / 1000);
  const idStamp = Date.now().toString(36);
  let served = 0;

  const unknownModel = (id: string, param: string | null) =>
    new HttpError(404, "model_not_found", `the model "${id}" does not exist on this server; it serves ${[...byId.keys()].map((k) => `"${k}"`).join(", ")} (GET /v1/models lists them)`, { param });

  /** Parse, run and shape one completion request of either endpoint. */
  async function complete(request: Request, shape: Shape, label: { model: string }, done: (o: Outcome) => void): Promise<Response> {
    const asked = parseAsk(parseJson(await readBody(request, maxBody)), shape === CHAT_SHAPE, request.signal);
    const g = byId.get(asked.model);
    if (!g) throw unknownModel(asked.model, "model");
    label.model = g.id;
    const base = { id: `${shape.idPrefix}-${idStamp}-${++served}`, created: Math.floor(Date.now() / 1000), model: g.id, system_fingerprint: g.graph.hash };
    const r: Respond = { g, shape, base, done, ...asked };
    return r.stream ? streamedResponse(r) : wholeResponse(r);
  }

  async function route(request: Request, path: string, label: { model: string }, done: (o: Outcome) => void): Promise<Response> {
    const method = request.method.toUpperCase();
    if (path === "/health") {
      if (method !== "GET") throw methodNotAllowed(method, path, "GET");
      const r = await health.readiness();
      return jsonResponse(r.ready ? 200 : 503, { status: r.ready ? "ready" : "not_ready", models: r.models });
    }
    if (path === "/metrics") {
      if (method !== "GET") throw methodNotAllowed(method, path, "GET");
      return new Response(metrics.text(), { status: 200, headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
    }
    if (options.apiKey !== undefined && path.startsWith("/v1")) checkKey(request, options.apiKey);
    if (path === "/v1/models") {
      if (method !== "GET") throw methodNotAllowed(method, path, "GET");
      return jsonResponse(200, { object: "list", data: [...byId.values()].map((g) => modelObject(g, created)) });
    }
    if (path.startsWith("/v1/models/")) {
      if (method !== "GET") throw methodNotAllowed(method, path, "GET");
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      const g = byId.get(id);
      if (!g) throw unknownModel(id, null);
      return jsonResponse(200, modelObject(g, created));
    }
    if (path === "/v1/chat/completions" || path === "/v1/completions") {
      if (method !== "POST") throw methodNotAllowed(method, path, "POST");
      return complete(request, path === "/v1/completions" ? COMPLETION_SHAPE : CHAT_SHAPE, label, done);
    }
    throw new HttpError(404, "unknown_path", `no such endpoint: ${method} ${path} (this server answers GET /v1/models, POST /v1/chat/completions, POST /v1/completions, GET /health and GET /metrics)`);
  }

  return async (request) => {
    const started = performance.now();
    const path = new URL(request.url).pathname.replace(/\/+$/, "") || "/";
    // Metric labels from a closed set, whatever paths clients try.
    const endpoint = ENDPOINTS.has(path) ? path : path.startsWith("/v1/models/") ? "/v1/models/{id}" : "other";
    const end = metrics.begin();
    const label = { model: "" };
    const done = (o: Outcome) =>
      end({
        endpoint,
        model: label.model,
        status: o.status,
        errorKind: o.errorKind,
        seconds: (performance.now() - started) / 1000,
        firstTokenSeconds: o.firstChunkAt !== undefined ? (o.firstChunkAt - started) / 1000 : undefined,
        usage: o.answered?.trace.nodes.filter((n) => !n.error).map((n) => ({ model: n.model, promptTokens: n.promptTokens, completionTokens: n.completionTokens, flops: n.flops })),
      });
    try {
      const response = await route(request, path, label, done);
      // Completions call `done` themselves (a stream only when it ends); other endpoints are done now.
      if (path !== "/v1/chat/completions" && path !== "/v1/completions") done({ status: response.status });
      return response;
    } catch (err) {
      const http = err instanceof HttpError ? err : new HttpError(500, "internal_error", `internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!(err instanceof HttpError)) options.onError?.(err);
      done({ status: http.status, errorKind: http.code });
      return errorResponse(http);
    }
  };
}
