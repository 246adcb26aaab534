/**
 * A request's answer in the OpenAI wire shapes: a chat completion or a (legacy) text completion,
 * whole or streamed as server-sent events. A stream opens with the output node's first piece of
 * text, so a failure before it is a plain HTTP error the client raises; text arrives as the output
 * node generates it when its provider streams, else in pieces once it has finished. The last chunk
 * carries the finish reason and the graph's trace (`tts_graph`); a usage chunk (with an empty
 * `choices` list) follows only when `stream_options.include_usage` asked for it, as OpenAI sends it.
 */
import type { NodeTrace, Trace } from "../exec/types.js";
import { answer, nodeFailure, outputNode, type Answered, type Ask, type ServedGraph } from "./answer.js";
import { HttpError, jsonResponse } from "./errors.js";
import { applyStop, StopFilter } from "./stop.js";

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
  /** The run seed of the request: its own, or the one drawn for it. */
  seed: number;
  flops: number;
  dollars: number | null;
  /** Critical path through the graph. */
  latency_ms: number;
  /** When the output node's first token came, on the same clock; null when its text was not streamed. */
  first_token_ms: number | null;
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

export function servedTrace(a: Answered, firstTokenMs: number | undefined): ServedTrace {
  const { trace } = a;
  const out = outputNode(trace);
  return {
    graph_hash: trace.graphHash,
    answer: trace.answer,
    item_id: a.item?.id ?? null,
    seed: a.seed,
    flops: trace.flops,
    dollars: trace.dollars ?? null,
    latency_ms: trace.latencyMs,
    first_token_ms: firstTokenMs !== undefined && out ? out.startMs + firstTokenMs : null,
    estimated: trace.estimated,
    warnings: trace.nodes.flatMap((n) => n.warnings.map((w) => `${n.id}: ${w}`)),
    nodes: trace.nodes.map(nodeTrace),
  };
}

/** The output node's finish reason as OpenAI names it; a stop sequence found makes it "stop". */
function finishReason(trace: Trace, stopped: boolean): "stop" | "length" | "content_filter" {
  if (stopped) return "stop";
  const f = outputNode(trace)?.finishReason;
  return f === "length" ? "length" : f === "content_filter" ? "content_filter" : "stop";
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

/** How one endpoint's responses are shaped. */
export interface Shape {
  object: string;
  chunkObject: string;
  idPrefix: string;
  /** The one choice of a whole response. */
  choice(text: string, finish: string): Record<string, unknown>;
  /** A chunk's choice carrying text (`first` for the stream's first). */
  delta(text: string, first: boolean): Record<string, unknown>;
  /** The last chunk's choice. */
  finish(finish: string): Record<string, unknown>;
}

export const CHAT_SHAPE: Shape = {
  object: "chat.completion",
  chunkObject: "chat.completion.chunk",
  idPrefix: "chatcmpl",
  choice: (text, finish) => ({ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: finish }),
  delta: (text, first) => ({ index: 0, delta: first ? { role: "assistant", content: text } : { content: text }, logprobs: null, finish_reason: null }),
  finish: (finish) => ({ index: 0, delta: {}, logprobs: null, finish_reason: finish }),
};

export const COMPLETION_SHAPE: Shape = {
  object: "text_completion",
  chunkObject: "text_completion",
  idPrefix: "cmpl",
  choice: (text, finish) => ({ index: 0, text, logprobs: null, finish_reason: finish }),
  delta: (text) => ({ index: 0, text, logprobs: null, finish_reason: null }),
  finish: (finish) => ({ index: 0, text: "", logprobs: null, finish_reason: finish }),
};

/** What the handler learns when a response is complete (for its metrics). */
export interface Outcome {
  status: number;
  errorKind?: string | undefined;
  answered?: Answered | undefined;
  /** Wall-clock time of the first content chunk sent, for streams. */
  firstChunkAt?: number | undefined;
}

export interface Respond {
  g: ServedGraph;
  ask: Ask;
  shape: Shape;
  /** Fields every response and chunk carries: id, created, model, system_fingerprint. */
  base: Record<string, unknown>;
  stops: readonly string[];
  stream: boolean;
  includeUsage: boolean;
  /** Called once, when the response is complete (a stream's end), with how it went. */
  done(outcome: Outcome): void;
}

/** A whole (non-streamed) answer. */
export async function wholeResponse(r: Respond): Promise<Response> {
  const a = await answer(r.g, r.ask);
  const extra = servedTrace(a, undefined);
  if (a.trace.errored) {
    const err = nodeFailure(r.g, a.trace);
    r.done({ status: 502, errorKind: err.code, answered: a });
    return jsonResponse(502, { ...err.body(), tts_graph: extra });
  }
  const cut = applyStop(a.trace.output, r.stops);
  r.done({ status: 200, answered: a });
  return jsonResponse(200, { ...r.base, object: r.shape.object, choices: [r.shape.choice(cut.text, finishReason(a.trace, cut.stopped))], usage: sumUsage(a.trace.nodes), tts_graph: extra });
}

type RunOutcome = { ok: true; a: Answered } | { ok: false; err: unknown };

/** A streamed answer: the response opens with the first piece of text, or with an error when none came. */
export async function streamedResponse(r: Respond): Promise<Response> {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    cancel: () => void (closed = true),
  });
  const write = (event: unknown) => {
    if (!closed) controller.enqueue(encoder.encode(`data: ${typeof event === "string" ? event : JSON.stringify(event)}\n\n`));
  };
  const chunk = (choices: unknown[], more: Record<string, unknown> = {}) => write({ ...r.base, object: r.shape.chunkObject, choices, ...more });
  const filter = new StopFilter(r.stops);
  let opened!: () => void;
  const opening = new Promise<void>((resolve) => (opened = resolve));
  let firstChunkAt: number | undefined;
  let firstTokenMs: number | undefined;
  let told = false;
  const send = (text: string) => {
    if (text === "") return;
    chunk([r.shape.delta(text, firstChunkAt === undefined)]);
    if (firstChunkAt === undefined) {
      firstChunkAt = performance.now();
      opened();
    }
  };
  const onText = (delta: string, atMs: number) => {
    told = true;
    firstTokenMs ??= atMs;
    send(filter.push(delta));
  };
  const run: Promise<RunOutcome> = answer(r.g, { ...r.ask, onText }).then(
    (a) => ({ ok: true, a }),
    (err: unknown) => ({ ok: false, err }),
  );
  await Promise.race([opening, run]);
  if (firstChunkAt === undefined) {
    const o = await run;
    if (!o.ok) throw o.err;
    if (o.a.trace.errored) {
      const err = nodeFailure(r.g, o.a.trace);
      r.done({ status: 502, errorKind: err.code, answered: o.a });
      return jsonResponse(502, { ...err.body(), tts_graph: servedTrace(o.a, firstTokenMs) });
    }
  }
  void run.then((o) => {
    if (!o.ok || o.a.trace.errored) {
      // The stream has begun: the failure is told in an error event, which OpenAI clients raise.
      const err = !o.ok ? o.err : nodeFailure(r.g, o.a.trace);
      const http = err instanceof HttpError ? err : new HttpError(500, "internal_error", `internal error: ${err instanceof Error ? err.message : String(err)}`);
      write(http.body());
      r.done({ status: http.status, errorKind: http.code, answered: o.ok ? o.a : undefined, firstChunkAt });
    } else {
      const { a } = o;
      // A provider that does not stream (or a cached answer) told nothing: its text goes in pieces now.
      if (!told) for (const p of streamPieces(a.trace.output)) send(filter.push(p));
      send(filter.end());
      chunk([r.shape.finish(finishReason(a.trace, filter.stopped))], { tts_graph: servedTrace(a, firstTokenMs) });
      if (r.includeUsage) chunk([], { usage: sumUsage(a.trace.nodes) });
      write("[DONE]");
      r.done({ status: 200, answered: a, firstChunkAt });
    }
    if (!closed) controller.close();
  });
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
}
