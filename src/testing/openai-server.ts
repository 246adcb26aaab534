/**
 * A real OpenAI-compatible HTTP server for tests, bound to 127.0.0.1 on a random port. It speaks the
 * chat-completions wire format (plain JSON and SSE streaming, with an optional usage chunk) and
 * `GET /v1/models`. What it does for each request is scripted by the test: a queue of behaviours
 * (consumed first, one per request), else a handler function, else a default echo answer. Every
 * request it received is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A chat-completions (or other) request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined when the body was empty or not JSON. */
  body: ChatRequestBody | undefined;
  rawBody: string;
  /** `Date.now()` when the request arrived (for inspection, never for assertions on time). */
  receivedAt: number;
}

/** The fields of a chat-completions request the server looks at. */
export interface ChatRequestBody {
  model?: string;
  messages?: { role: string; content: string }[];
  seed?: number;
  n?: number;
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

/** What the server does with one request. */
export type Behaviour =
  /** A normal answer. `usage: false` leaves `usage` out of the response (and out of the stream). */
  | {
      kind: "answer";
      text?: string | ((req: RecordedRequest) => string);
      /** Sent as `message.reasoning_content` (as vLLM's reasoning parsers do); its words count as completion tokens. */
      reasoning?: string;
      usage?: boolean | { prompt_tokens: number; completion_tokens: number };
      finishReason?: string | null;
      /** Delay before the response starts. */
      delayMs?: number;
      /** Streaming only: delay between chunks. */
      chunkDelayMs?: number;
      /** Streaming only: awaited before the content chunk of this index (0-based) is sent. */
      beforeChunk?: (index: number) => Promise<void> | void;
      /**
       * Plain JSON only: send the headers and the first half of the body at once, the rest after this
       * delay (a server that stalls in the middle of a response).
       */
      bodyDelayMs?: number;
    }
  /** An error status with an OpenAI-shaped error body (429, 500, 503, 400...). */
  | { kind: "status"; status: number; message?: string; headers?: Record<string, string> }
  /** Never answer (the client's timeout must fire); the socket is closed when the server closes. */
  | { kind: "hang" }
  /** Send the headers and part of the body, then destroy the connection. */
  | { kind: "close" }
  /** Exactly these bytes, e.g. truncated JSON or a body of the wrong shape. */
  | { kind: "raw"; status?: number; contentType?: string; body: string }
  /** A 200 whose message has no content (`content: null`). */
  | { kind: "empty" };

export type Handler = (req: RecordedRequest) => Behaviour | Promise<Behaviour>;

export interface TestServerOptions {
  /** Model names listed by `GET /v1/models`. */
  models?: string[];
  /** Handler used when the queue is empty. Defaults to an echo of the last user message. */
  handler?: Handler;
  /** When false, requests with `n > 1` get a 400, as some servers do. Default true. */
  supportsN?: boolean;
  /** When false, streams never carry a usage chunk even when asked. Default true. */
  streamUsage?: boolean;
}

export interface TestServer {
  /** e.g. `http://127.0.0.1:40123/v1`. */
  baseURL: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Chat-completions requests only. */
  chatRequests(): RecordedRequest[];
  /** Most chat requests that were open at the same time since start (or the last `resetStats`). */
  readonly maxInFlight: number;
  /** Forget recorded requests and the in-flight maximum. */
  resetStats(): void;
  /** Queue behaviours for the next requests (consumed in order, one per chat request). */
  enqueue(...behaviours: Behaviour[]): void;
  /** Replace the handler used when the queue is empty. */
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

/** Rough token count used for the `usage` the server reports: whitespace-separated words. */
export function wordCount(text: string): number {
  const t = text.trim();
  return t === "" ? 0 : t.split(/\s+/).length;
}

function lastUserMessage(body: ChatRequestBody | undefined): string {
  const msgs = body?.messages ?? [];
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i]!.role === "user") return msgs[i]!.content;
  return "";
}

const defaultHandler: Handler = (req) => ({ kind: "answer", text: `echo: ${lastUserMessage(req.body)}` });

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (data += c));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body).toString(), ...headers });
  res.end(body);
}

/**
 * Start a fake OpenAI-compatible server on 127.0.0.1 (a free port); close it with `close()` (e.g.
 * in `afterAll`). Point a pool endpoint of kind `openai` at its `baseURL`.
 *
 * @example
 * ```ts
 * import { startOpenAIServer } from "tts-graph/testing";
 *
 * const server = await startOpenAIServer({ handler: (req) => ({ kind: "answer", text: "42" }) });
 * server.enqueue({ kind: "status", status: 503 }); // the first call fails once, then the handler answers
 * // ... run code that calls server.baseURL ...
 * console.log(server.chatRequests().length);
 * await server.close();
 * ```
 */
export async function startOpenAIServer(options: TestServerOptions = {}): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const queue: Behaviour[] = [];
  let handler = options.handler ?? defaultHandler;
  const sockets = new Set<Socket>();
  let counter = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  async function chat(rec: RecordedRequest, res: ServerResponse): Promise<void> {
    const behaviour = queue.length > 0 ? queue.shift()! : await handler(rec);
    const body = rec.body ?? {};
    const model = body.model ?? "test-model";
    const id = `chatcmpl-${++counter}`;
    switch (behaviour.kind) {
      case "status": {
        sendJson(res, behaviour.status, { error: { message: behaviour.message ?? `scripted status ${behaviour.status}`, type: "test_error", code: null } }, behaviour.headers);
        return;
      }
      case "hang":
        return; // the response is never written
      case "close": {
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"id":"' + id + '","object":"chat.completion","choi');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      case "raw": {
        res.writeHead(behaviour.status ?? 200, { "content-type": behaviour.contentType ?? "application/json" });
        res.end(behaviour.body);
        return;
      }
      case "empty": {
        sendJson(res, 200, {
          id,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model,
          choices: [{ index: 0, message: { role: "assistant", content: null }, finish_reason: "stop" }],
        });
        return;
      }
      case "answer":
        break;
    }
    if (behaviour.delayMs) await sleep(behaviour.delayMs);
    const n = body.n ?? 1;
    if (n > 1 && options.supportsN === false) {
      sendJson(res, 400, { error: { message: "n > 1 is not supported", type: "invalid_request_error", code: null } });
      return;
    }
    const text = typeof behaviour.text === "function" ? behaviour.text(rec) : (behaviour.text ?? `echo: ${lastUserMessage(body)}`);
    const promptTokens = (body.messages ?? []).reduce((s, m) => s + wordCount(m.content), 0);
    const generated = wordCount(text) + wordCount(behaviour.reasoning ?? "");
    const usage =
      behaviour.usage === false
        ? undefined
        : typeof behaviour.usage === "object"
          ? { ...behaviour.usage, total_tokens: behaviour.usage.prompt_tokens + behaviour.usage.completion_tokens }
          : { prompt_tokens: promptTokens, completion_tokens: generated * n, total_tokens: promptTokens + generated * n };
    const finish = behaviour.finishReason === undefined ? "stop" : behaviour.finishReason;

    if (body.stream) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      const created = Math.floor(Date.now() / 1000);
      const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices, ...extra })}\n\n`;
      const pieces = text.match(/\S+\s*|\s+/g) ?? [];
      for (let c = 0; c < n; c++) {
        res.write(chunk([{ index: c, delta: { role: "assistant", content: "" }, finish_reason: null }]));
        for (const [k, p] of pieces.entries()) {
          if (behaviour.chunkDelayMs) await sleep(behaviour.chunkDelayMs);
          await behaviour.beforeChunk?.(k);
          if (res.destroyed) return;
          res.write(chunk([{ index: c, delta: { content: p }, finish_reason: null }]));
        }
        res.write(chunk([{ index: c, delta: {}, finish_reason: finish }]));
      }
      if (usage && body.stream_options?.include_usage && options.streamUsage !== false) res.write(chunk([], { usage }));
      res.end("data: [DONE]\n\n");
      return;
    }

    const completion = {
      id,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: Array.from({ length: n }, (_, index) => ({ index, message: { role: "assistant", content: text, ...(behaviour.reasoning !== undefined ? { reasoning_content: behaviour.reasoning } : {}) }, finish_reason: finish })),
      ...(usage ? { usage } : {}),
    };
    if (!behaviour.bodyDelayMs) {
      sendJson(res, 200, completion);
      return;
    }
    const json = JSON.stringify(completion);
    const half = Math.floor(json.length / 2);
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(json).toString() });
    res.write(json.slice(0, half));
    await sleep(behaviour.bodyDelayMs);
    if (!res.destroyed) res.end(json.slice(half));
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const rawBody = await readBody(req);
      let body: ChatRequestBody | undefined;
      try {
        body = rawBody ? (JSON.parse(rawBody) as ChatRequestBody) : undefined;
      } catch {
        body = undefined;
      }
      const path = (req.url ?? "/").split("?")[0]!;
      const rec: RecordedRequest = { method: req.method ?? "GET", path, headers: req.headers, body, rawBody, receivedAt: Date.now() };
      requests.push(rec);
      if (req.method === "GET" && path.endsWith("/models")) {
        sendJson(res, 200, { object: "list", data: (options.models ?? ["test-model"]).map((id) => ({ id, object: "model", created: 0, owned_by: "test" })) });
        return;
      }
      if (req.method === "POST" && path.endsWith("/chat/completions")) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        res.on("close", () => inFlight--);
        await chat(rec, res);
        return;
      }
      sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}`, type: "not_found", code: null } });
    })().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err), type: "server_error", code: null } });
      else res.destroy();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    chatRequests: () => requests.filter((r) => r.path.endsWith("/chat/completions")),
    get maxInFlight() {
      return maxInFlight;
    },
    resetStats: () => {
      requests.length = 0;
      maxInFlight = inFlight;
    },
    enqueue: (...b) => void queue.push(...b),
    setHandler: (h) => void (handler = h),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
