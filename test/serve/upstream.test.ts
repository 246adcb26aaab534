/**
 * A served graph over a real OpenAI-compatible server (the scripted test server on 127.0.0.1), as
 * the official Node `openai` client sees it: the conversation reaches every node's prompt in the
 * task's format, the request's sampling reaches the output node's call only, seeds decide what the
 * cache may answer, the output node's tokens are streamed before the graph has finished, shutdown
 * answers every accepted request, and a client hang-up is logged as one line.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe, type ServeSession } from "../../src/cli/commands/serve.js";
import type { ServedTrace } from "../../src/serve/index.js";
import { startOpenAIServer, type RecordedRequest, type TestServer } from "../helpers/openai-server.js";
import { apiError } from "../helpers/errors.js";
import { tempDir } from "../helpers/tmp.js";

type Completion = OpenAI.Chat.Completions.ChatCompletion & { tts_graph: ServedTrace };

function writePoolAndGraph(dir: string, baseURL: string): { pool: string; graph: string } {
  const pool = join(dir, "pool.json");
  writeFileSync(pool, JSON.stringify({ version: 1, models: [{ id: "echo", family: "test", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "openai", baseURL, model: "echo", maxRetries: 0 } }] }));
  const graph = join(dir, "pair.json");
  const nodes = [
    { id: "first", role: "assistant", model: "echo" },
    { id: "second", role: "assistant", model: "echo" },
  ];
  writeFileSync(graph, JSON.stringify({ version: 1, name: "pair", nodes, edges: [["first", "second"]], output: "second" }));
  return { pool, graph };
}

/** True for the output node's call: the only one whose prompt carries another model's response. */
const isOutputCall = (r: RecordedRequest) => (r.body?.messages ?? []).some((m) => m.content.includes("[Response 1]"));


describe("a served graph over a real OpenAI-compatible server", () => {
  const dir = tempDir();
  let upstream: TestServer;
  let session: ServeSession;
  let openai: OpenAI;
  const log: string[] = [];

  beforeAll(async () => {
    upstream = await startOpenAIServer({ models: ["echo"] });
    const { pool, graph } = writePoolAndGraph(dir, upstream.baseURL);
    session = await startServe([graph], { pool, style: "number", host: "127.0.0.1", port: 0, cache: join(dir, "cache.sqlite") }, (l) => log.push(l));
    openai = new OpenAI({ baseURL: `${session.server.url}/v1`, apiKey: "none", maxRetries: 0 });
  });
  afterAll(async () => {
    await session?.close();
    await upstream?.close();
  });

  it("is ready once the endpoint answered its probe (a model listing)", async () => {
    const r = await fetch(`${session.server.url}/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: "ready", models: { echo: { state: "ready" } } });
    expect(upstream.requests.some((q) => q.method === "GET" && q.path === "/v1/models")).toBe(true);
  });

  it("puts the system prompt and the history in every node's prompt, around the task's question", async () => {
    upstream.resetStats();
    await openai.chat.completions.create({
      model: "pair",
      seed: 1,
      messages: [
        { role: "system", content: "Answer in French." },
        { role: "user", content: "How many legs has a cat?" },
        { role: "assistant", content: "4" },
        { role: "user", content: "And two cats?" },
      ],
    });
    const calls = upstream.chatRequests();
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      const m = c.body!.messages!;
      expect(m[0]!.role).toBe("system");
      // The task's system message first, then the client's system prompt.
      expect(m[0]!.content).toMatch(/^You are careful at solving word problems[\s\S]*\n\nAnswer in French\.$/);
      expect(m.slice(1, 3)).toEqual([
        { role: "user", content: "How many legs has a cat?" },
        { role: "assistant", content: "4" },
      ]);
      expect(m[3]!.role).toBe("user");
      expect(m[3]!.content).toContain("And two cats?");
      expect(m).toHaveLength(4);
    }
  });

  it("applies temperature, top_p and max_tokens to the output node's call only", async () => {
    upstream.resetStats();
    await openai.chat.completions.create({ model: "pair", seed: 2, messages: [{ role: "user", content: "q" }], temperature: 0.2, top_p: 0.5, max_tokens: 33 });
    const [first, second] = upstream.chatRequests();
    expect(isOutputCall(second!)).toBe(true);
    expect([second!.body!.temperature, second!.body!.top_p, second!.body!.max_tokens]).toEqual([0.2, 0.5, 33]);
    expect([first!.body!.temperature, first!.body!.top_p, first!.body!.max_tokens]).toEqual([0.7, undefined, 1024]);
  });

  it("answers a repeated seeded request from the cache, and never an unseeded one", async () => {
    const ask = (seed?: number) => openai.chat.completions.create({ model: "pair", messages: [{ role: "user", content: "cache me" }], ...(seed !== undefined ? { seed } : {}) }) as unknown as Promise<Completion>;
    upstream.resetStats();
    const a = await ask(11);
    const b = await ask(11);
    expect(upstream.chatRequests()).toHaveLength(2);
    expect(b.choices[0]!.message.content).toBe(a.choices[0]!.message.content);
    expect(b.tts_graph.nodes.every((n) => n.cached)).toBe(true);

    upstream.resetStats();
    const c = await ask();
    const d = await ask();
    expect(upstream.chatRequests()).toHaveLength(4);
    expect([...c.tts_graph.nodes, ...d.tts_graph.nodes].some((n) => n.cached)).toBe(false);
    expect(c.tts_graph.seed).not.toBe(d.tts_graph.seed);
    // Each request's calls are sent with sampling seeds of its own.
    const [c1, c2, d1, d2] = upstream.chatRequests().map((r) => r.body!.seed);
    expect(c1).toBe(c2);
    expect(d1).toBe(d2);
    expect(c1).not.toBe(d1);
  });

  it("streams the output node's first token before the graph's last node has finished", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const events: string[] = [];
    // The output node's server sends its first piece, then waits until the client has seen it.
    upstream.setHandler((req) =>
      isOutputCall(req)
        ? {
            kind: "answer",
            text: "the final answer is 42 and that is all",
            beforeChunk: async (k) => {
              if (k !== 1) return;
              await gate;
              events.push("output node sends the rest");
            },
          }
        : { kind: "answer", text: "a draft answer" },
    );
    const fallback = setTimeout(() => {
      events.push("timeout: no token before the graph finished");
      release();
    }, 4000);
    try {
      const stream = await openai.chat.completions.create({ model: "pair", seed: 3, messages: [{ role: "user", content: "stream it" }], stream: true });
      let text = "";
      for await (const chunk of stream) {
        const delta = chunk.choices[0]!.delta.content ?? "";
        if (delta !== "" && text === "") {
          events.push("client got the first token");
          release();
        }
        text += delta;
      }
      expect(text).toBe("the final answer is 42 and that is all");
      expect(events).toEqual(["client got the first token", "output node sends the rest"]);
    } finally {
      clearTimeout(fallback);
      upstream.setHandler((req) => ({ kind: "answer", text: `echo: ${req.body?.messages?.at(-1)?.content ?? ""}` }));
    }
  });

  it("fails a stream whose node fails before any text with a plain 502", async () => {
    upstream.enqueue({ kind: "status", status: 500, message: "the upstream broke" });
    const e = await apiError(openai.chat.completions.create({ model: "pair", seed: 4, messages: [{ role: "user", content: "x" }], stream: true }).then(async (s) => {
      for await (const _ of s) void _;
    }));
    expect(e.status).toBe(502);
    expect(e.code).toBe("node_failed");
  });

  it("logs a client that hangs up as one line, not as an internal error, and counts it", async () => {
    let arrived!: () => void;
    const started = new Promise<void>((r) => (arrived = r));
    upstream.enqueue({ kind: "answer", text: "first" });
    upstream.setHandler(async () => {
      arrived();
      return { kind: "answer", text: "late", delayMs: 300 };
    });
    const abort = new AbortController();
    const pending = openai.chat.completions.create({ model: "pair", seed: 5, messages: [{ role: "user", content: "hang up" }] }, { signal: abort.signal }).catch((e: unknown) => e);
    await started;
    abort.abort();
    await pending;
    // The server notices the closed socket asynchronously.
    for (let i = 0; i < 50 && !log.some((l) => l.includes("client closed")); i++) await new Promise((r) => setTimeout(r, 20));
    const lines = log.filter((l) => l.includes("client closed"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^client closed the connection before its response was complete: POST \/v1\/chat\/completions after \d+ ms$/);
    expect(log.join("\n")).not.toMatch(/internal error/);
    for (let i = 0; i < 50 && session.server.inFlight() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    const metrics = await (await fetch(`${session.server.url}/metrics`)).text();
    expect(metrics).toMatch(/^tts_graph_errors_total\{kind="client_closed"\} 1$/m);
  });
});

describe("shutting down with requests still running", () => {
  const dir = tempDir();
  let upstream: TestServer;

  beforeAll(async () => {
    upstream = await startOpenAIServer({ models: ["echo"] });
  });
  afterAll(async () => upstream?.close());

  it("answers a request still running after the grace period with 503, never a dropped connection", async () => {
    const { pool, graph } = writePoolAndGraph(dir, upstream.baseURL);
    const session = await startServe([graph], { pool, host: "127.0.0.1", port: 0, cache: false, graceMs: 200 });
    const openai = new OpenAI({ baseURL: `${session.server.url}/v1`, apiKey: "none", maxRetries: 0 });
    let arrived!: () => void;
    const started = new Promise<void>((r) => (arrived = r));
    upstream.setHandler(() => {
      arrived();
      return { kind: "hang" };
    });
    const pending = openai.chat.completions.create({ model: "pair", seed: 1, messages: [{ role: "user", content: "slow" }] }).catch((e: unknown) => e);
    await started;
    await session.close();
    const e = await pending;
    expect(e).toBeInstanceOf(APIError);
    expect((e as APIError).status).toBe(503);
    expect((e as APIError).code).toBe("shutting_down");
  });
});

describe("serving a run folder", () => {
  const dir = tempDir();
  let upstream: TestServer;
  let session: ServeSession;

  beforeAll(async () => {
    upstream = await startOpenAIServer({ models: ["echo"] });
  });
  afterAll(async () => {
    await session?.close();
    await upstream?.close();
  });

  it("samples every node with the run's sampling, the output node with the request's where it sets any", async () => {
    const { pool, graph } = writePoolAndGraph(dir, upstream.baseURL);
    const run = join(dir, "runs", "echo-run");
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, "config.json"), JSON.stringify({ task: "sim:math", pool, seed: 0, sampling: { temperature: 0.3, maxTokens: 77 } }));
    copyFileSync(graph, join(run, "best.graph.json"));
    session = await startServe([run], { host: "127.0.0.1", port: 0, cache: false });
    expect(session.described).toEqual([{ id: "echo-run", task: "sim:math", pool, source: run }]);
    const openai = new OpenAI({ baseURL: `${session.server.url}/v1`, apiKey: "none", maxRetries: 0 });
    upstream.resetStats();
    await openai.chat.completions.create({ model: "echo-run", seed: 1, messages: [{ role: "user", content: "q" }] });
    await openai.chat.completions.create({ model: "echo-run", seed: 1, messages: [{ role: "user", content: "q" }], temperature: 0.9 });
    const sent = upstream.chatRequests().map((r) => [isOutputCall(r), r.body!.temperature, r.body!.max_tokens]);
    expect(sent).toEqual([
      [false, 0.3, 77],
      [true, 0.3, 77],
      [false, 0.3, 77],
      [true, 0.9, 77],
    ]);
  });
});
