/**
 * `serve` in-process on 127.0.0.1 (a free port), talked to with the official `openai` client: graphs
 * over the simulated pool answer as models, with usage summed over their nodes and the trace in
 * `tts_graph`; bad requests get OpenAI-style errors with the right status; a failing provider gives
 * a 502 naming the node; shutdown lets requests in flight finish.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliContext, findItem, poolFor } from "../../src/cli/exec-setup.js";
import { startServe, type ServeSession } from "../../src/cli/commands/serve.js";
import { prepareGraph, runGraph } from "../../src/exec/run.js";
import { loadGraphFile } from "../../src/graph/io.js";
import { resolveTask } from "../../src/resolve.js";
import { applyStop, createServeHandler, requestSampleBase, uniqueIds, type ServedTrace } from "../../src/serve/index.js";
import { ROOT } from "../helpers/cli.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";
import { apiError } from "../helpers/errors.js";
import { tempDir } from "../helpers/tmp.js";

const GRAPHS = join(ROOT, "examples", "graphs");
const OPTS = { task: "sim:math", pool: "sim:llama", host: "127.0.0.1", port: 0, cache: false as const, seed: 0 };

type Completion = OpenAI.Chat.Completions.ChatCompletion & { tts_graph: ServedTrace };

function client(session: ServeSession): OpenAI {
  return new OpenAI({ baseURL: `${session.server.url}/v1`, apiKey: "none", maxRetries: 0 });
}


describe("serving graphs over the simulated pool", () => {
  const dir = tempDir();
  const task = resolveTask("sim:math", { seed: 0 });
  const items = task.items("test").slice(0, 8);
  let session: ServeSession;
  let openai: OpenAI;

  beforeAll(async () => {
    // A second graph named "fan-in" must get its own id.
    const copy = join(dir, "copy.json");
    writeFileSync(copy, JSON.stringify({ ...loadGraphFile(join(GRAPHS, "fan-in.json")), description: "a copy" }));
    const files = [join(GRAPHS, "fan-in.json"), join(GRAPHS, "chain.json"), join(GRAPHS, "single.json"), copy];
    session = await startServe(files, { ...OPTS, concurrency: 2 });
    openai = client(session);
  });
  afterAll(async () => session?.close());

  /** What the executor gives for this graph, question and request seed, in-process. */
  async function direct(graphFile: string, question: string, seed: number, maxTokens?: number) {
    const loaded = poolFor("sim:math", "sim:llama");
    const ctx = cliContext(task, loaded, { seed }, null);
    const item = items.find((i) => i.question === question || i.id === question)!;
    const output = maxTokens !== undefined ? { sampling: { maxTokens } } : undefined;
    return runGraph(prepareGraph(loadGraphFile(join(GRAPHS, graphFile)), ctx), item, ctx, { grade: false, sampleBase: requestSampleBase(seed), output });
  }

  it("lists every graph as a model, with unique ids", async () => {
    const models = [];
    for await (const m of openai.models.list()) models.push(m);
    expect(models.map((m) => m.id)).toEqual(["fan-in", "chain", "single", "fan-in-2"]);
    expect(models.every((m) => m.object === "model" && m.owned_by === "tts-graph")).toBe(true);
    const one = await openai.models.retrieve("chain");
    expect(one.id).toBe("chain");
    expect((await apiError(openai.models.retrieve("nope"))).status).toBe(404);
  });

  it("answers a chat completion with the output node's text, usage summed over the nodes and the trace", async () => {
    const item = items[0]!;
    const r = (await openai.chat.completions.create({
      model: "fan-in",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "an earlier question" },
        { role: "assistant", content: "an earlier answer" },
        { role: "user", content: item.question },
      ],
      seed: 3,
    })) as Completion;
    const expected = await direct("fan-in.json", item.question, 3);
    expect(expected.errored).toBe(false);
    expect(r.object).toBe("chat.completion");
    expect(r.model).toBe("fan-in");
    expect(r.choices).toHaveLength(1);
    expect(r.choices[0]!.message.role).toBe("assistant");
    expect(r.choices[0]!.message.content).toBe(expected.output);
    expect(r.choices[0]!.finish_reason).toBe("stop");

    const t = r.tts_graph;
    expect(t.item_id).toBe(item.id);
    expect(t.answer).toBe(expected.answer);
    expect(t.nodes.map((n) => n.id).sort()).toEqual(["a1", "a2", "a3", "fuse"]);
    expect(t.nodes.find((n) => n.output)?.id).toBe("fuse");
    expect(t.nodes.every((n) => n.error === null && n.prompt_tokens > 0 && n.completion_tokens > 0 && n.flops > 0)).toBe(true);
    const prompt = t.nodes.reduce((s, n) => s + n.prompt_tokens, 0);
    const completion = t.nodes.reduce((s, n) => s + n.completion_tokens, 0);
    expect(r.usage).toEqual({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
    expect(t.flops).toBeCloseTo(t.nodes.reduce((s, n) => s + n.flops, 0), 0);
    expect(t.flops).toBe(expected.flops);
    expect(t.latency_ms).toBe(expected.latencyMs);
    expect(t.warnings).toEqual([]);
  });

  it("asks a question named by its item id; the same seed gives the same answer, no seed samples afresh", async () => {
    const item = items[1]!;
    const a = (await openai.chat.completions.create({ model: "fan-in", messages: [{ role: "user", content: item.id }], seed: 7 })) as Completion;
    const b = (await openai.chat.completions.create({ model: "fan-in", messages: [{ role: "user", content: item.question }], seed: 7 })) as Completion;
    expect(a.tts_graph.item_id).toBe(item.id);
    expect(a.tts_graph.seed).toBe(7);
    expect(b.choices[0]!.message.content).toBe(a.choices[0]!.message.content);
    expect(a.choices[0]!.message.content).toBe((await direct("fan-in.json", item.question, 7)).output);
    // Without a seed, each request draws its own (reported) and so its own samples.
    const unseeded = (await Promise.all([1, 2, 3, 4].map(() => openai.chat.completions.create({ model: "fan-in", messages: [{ role: "user", content: item.question }] })))) as Completion[];
    expect(new Set(unseeded.map((r) => r.tts_graph.seed)).size).toBe(4);
    const texts = new Set(unseeded.map((r) => r.choices[0]!.message.content));
    expect(texts.size).toBeGreaterThan(1);
    for (const r of unseeded) expect(r.choices[0]!.message.content).toBe((await direct("fan-in.json", item.question, r.tts_graph.seed)).output);
  });

  it("applies max_tokens to the output node and cuts its text at a stop sequence", async () => {
    const item = items[2]!;
    const r = (await openai.chat.completions.create({ model: "chain", messages: [{ role: "user", content: item.id }], seed: 1, max_tokens: 5 })) as Completion;
    expect(r.choices[0]!.finish_reason).toBe("length");
    const nodes = r.tts_graph.nodes;
    expect(nodes.find((n) => n.output)!.completion_tokens).toBe(5);
    // The other nodes keep the served sampling.
    expect(nodes.filter((n) => !n.output).every((n) => n.completion_tokens > 5 && n.finish_reason === "stop")).toBe(true);
    expect(r.choices[0]!.message.content).toBe((await direct("chain.json", item.question, 1, 5)).output);

    const full = (await direct("chain.json", item.question, 1)).output;
    const stop = "\\boxed";
    expect(full).toContain(stop);
    const cut = (await openai.chat.completions.create({ model: "chain", messages: [{ role: "user", content: item.id }], seed: 1, stop: [stop, "never appears"] })) as Completion;
    expect(cut.choices[0]!.message.content).toBe(full.slice(0, full.indexOf(stop)));
    expect(cut.choices[0]!.finish_reason).toBe("stop");
    // The same cut when streamed, whatever the pieces.
    const stream = await openai.chat.completions.create({ model: "chain", messages: [{ role: "user", content: item.id }], seed: 1, stop, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe(applyStop(full, [stop]).text);
  });

  it("streams as the documented loop expects: no chunk without a choice unless usage is asked for", async () => {
    const item = items[4]!;
    const plain = (await openai.chat.completions.create({ model: "chain", messages: [{ role: "user", content: item.question }], seed: 2 })) as Completion;
    const stream = await openai.chat.completions.create({ model: "chain", messages: [{ role: "user", content: item.question }], seed: 2, stream: true });
    let text = "";
    let chunks = 0;
    let trace: ServedTrace | undefined;
    for await (const chunk of stream) {
      chunks++;
      // The loop of the client's README: it reads choices[0] of every chunk.
      text += chunk.choices[0]!.delta.content ?? "";
      expect(chunk.usage ?? null).toBeNull();
      trace ??= (chunk as unknown as { tts_graph?: ServedTrace }).tts_graph;
    }
    expect(text).toBe(plain.choices[0]!.message.content);
    expect(chunks).toBeGreaterThan(3);
    // The simulated output node streamed: its first token came before the graph's end, on the critical-path clock.
    const out = trace!.nodes.find((n) => n.output)!;
    expect(trace!.first_token_ms).toBeGreaterThan(out.start_ms);
    expect(trace!.first_token_ms).toBeLessThan(trace!.latency_ms);
  });

  it("streams the final text as chunks, then a usage chunk when include_usage asks for it", async () => {
    const item = items[3]!;
    const plain = (await openai.chat.completions.create({ model: "chain", messages: [{ role: "user", content: item.question }], seed: 4 })) as Completion;
    const stream = await openai.chat.completions.create({ model: "chain", messages: [{ role: "user", content: item.question }], seed: 4, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let contentChunks = 0;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let trace: ServedTrace | undefined;
    let usageChunks = 0;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (c?.delta.content) {
        text += c.delta.content;
        contentChunks++;
      }
      if (c?.finish_reason) {
        finish = c.finish_reason;
        trace = (chunk as unknown as { tts_graph: ServedTrace }).tts_graph;
      }
      if (chunk.usage) {
        usageChunks++;
        expect(chunk.choices).toEqual([]);
        usage = chunk.usage;
      }
    }
    expect(text).toBe(plain.choices[0]!.message.content);
    expect(contentChunks).toBeGreaterThan(1);
    expect(usageChunks).toBe(1);
    expect(finish).toBe("stop");
    expect(usage).toEqual(plain.usage);
    expect(trace?.nodes.map((n) => n.id)).toEqual(["draft", "refine", "final"]);
  });

  it("answers concurrent requests exactly as it answers them one at a time", async () => {
    const sequential: string[] = [];
    for (const item of items) {
      const r = await openai.chat.completions.create({ model: "fan-in-2", messages: [{ role: "user", content: item.question }], seed: 5 });
      sequential.push(r.choices[0]!.message.content ?? "");
    }
    const concurrent = await Promise.all(items.map((item) => openai.chat.completions.create({ model: "fan-in-2", messages: [{ role: "user", content: item.question }], seed: 5 })));
    expect(concurrent.map((r) => r.choices[0]!.message.content)).toEqual(sequential);
    expect(new Set(sequential).size).toBe(items.length);
  });

  it("refuses bad requests with OpenAI-style errors and 4xx codes", async () => {
    const q = items[0]!.question;
    let e = await apiError(openai.chat.completions.create({ model: "nope", messages: [{ role: "user", content: q }] }));
    expect(e.status).toBe(404);
    expect(e.code).toBe("model_not_found");
    expect(e.param).toBe("model");
    expect(e.message).toMatch(/"nope" does not exist.*"fan-in"/);

    e = await apiError(openai.chat.completions.create({ model: "single", messages: [] }));
    expect(e.status).toBe(400);
    expect(e.type).toBe("invalid_request_error");
    expect(e.param).toBe("messages");

    e = await apiError(openai.chat.completions.create({ model: "single", messages: [{ role: "system", content: "only a system message" }] }));
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/no user message/);

    e = await apiError(openai.chat.completions.create({ model: "single", messages: [{ role: "user", content: "  " }] }));
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[0].content");

    e = await apiError(openai.chat.completions.create({ model: "single", messages: [{ role: "user", content: q }], n: 3 }));
    expect(e.status).toBe(400);
    expect(e.param).toBe("n");

    e = await apiError(openai.chat.completions.create({ model: "single", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:," } }] }] }));
    expect(e.status).toBe(400);
    expect(e.code).toBe("unsupported_content");

    e = await apiError(openai.chat.completions.create({ model: "single", messages: [{ role: "user", content: q }], response_format: { type: "json_object" } }));
    expect(e.status).toBe(400);
    expect(e.param).toBe("response_format");

    e = await apiError(openai.chat.completions.create({ model: "single", messages: [{ role: "user", content: q }], tools: [{ type: "function", function: { name: "f" } }] }));
    expect(e.status).toBe(400);
    expect(e.param).toBe("tools");

    // Anything the server cannot honour is refused, naming the field, never ignored.
    const refused: [Record<string, unknown>, string][] = [
      [{ logprobs: true }, "logprobs"],
      [{ top_logprobs: 2 }, "top_logprobs"],
      [{ presence_penalty: 0.5 }, "presence_penalty"],
      [{ logit_bias: { "42": 3 } }, "logit_bias"],
      [{ temperature: 3 }, "temperature"],
      [{ top_p: 0 }, "top_p"],
      [{ stop: ["a", "b", "c", "d", "e"] }, "stop"],
      [{ made_up_option: 1 }, "made_up_option"],
    ];
    for (const [extra, param] of refused) {
      e = await apiError(openai.chat.completions.create({ model: "single", messages: [{ role: "user", content: q }], ...extra } as never));
      expect(e.status, param).toBe(400);
      expect(e.param, param).toBe(param);
    }
    e = await apiError(openai.chat.completions.create({ model: "single", messages: [{ role: "user", content: q }, { role: "assistant", content: "prefill" }] }));
    expect(e.status).toBe(400);
    expect(e.param).toBe("messages[1]");

    // Fields of the wrong type, all reported at once.
    e = await apiError(openai.post("/chat/completions", { body: { model: 3, messages: [{ role: "robot", content: "x" }] } }));
    expect(e.status).toBe(400);
    expect(e.param).toBe("model");
    expect(e.message).toMatch(/model/);
    expect(e.message).toMatch(/messages\[0\]\.role/);
  });

  it("answers raw HTTP mistakes with the right status and an error body", async () => {
    const url = session.server.url;
    const body = async (r: Response) => (await r.json()) as { error: { message: string; type: string; param: unknown; code: string } };
    const expectShape = (b: Awaited<ReturnType<typeof body>>) => expect(Object.keys(b.error).sort()).toEqual(["code", "message", "param", "type"]);

    let r = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"model": "single", ' });
    expect(r.status).toBe(400);
    let b = await body(r);
    expectShape(b);
    expect(b.error.code).toBe("invalid_json");

    r = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: "" });
    expect(r.status).toBe(400);
    expect((await body(r)).error.code).toBe("invalid_json");

    r = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: "[1, 2]" });
    expect(r.status).toBe(400);
    expect((await body(r)).error.code).toBe("invalid_body");

    r = await fetch(`${url}/v1/chat/completions`);
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("POST");
    b = await body(r);
    expectShape(b);
    expect(b.error.code).toBe("method_not_allowed");

    r = await fetch(`${url}/v1/models`, { method: "DELETE" });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("GET");

    r = await fetch(`${url}/v1/embeddings`, { method: "POST", body: "{}" });
    expect(r.status).toBe(404);
    b = await body(r);
    expectShape(b);
    expect(b.error.code).toBe("unknown_path");

    const big = JSON.stringify({ model: "single", messages: [{ role: "user", content: "x".repeat(2 << 20) }] });
    r = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect(r.status).toBe(413);
    b = await body(r);
    expectShape(b);
    expect(b.error.code).toBe("body_too_large");

    // The server still answers after all that.
    r = await fetch(`${url}/v1/models`);
    expect(r.status).toBe(200);
  });

  it("fails with 502 naming the node when a simulated model cannot answer, never with a made-up answer", async () => {
    const e = await apiError(openai.chat.completions.create({ model: "chain", messages: [{ role: "user", content: "What is the capital of France?" }] }));
    expect(e.status).toBe(502);
    expect(e.code).toBe("node_failed");
    expect(e.message).toMatch(/node "draft" \(model llama-3b\) failed/);
    const body = e.error as { node?: string };
    expect(body.node).toBe("draft");
  });
});

describe("serving a graph whose provider fails or is slow", () => {
  const dir = tempDir();
  let upstream: TestServer;
  let session: ServeSession;
  let openai: OpenAI;

  beforeAll(async () => {
    upstream = await startOpenAIServer({ models: ["echo"] });
    const pool = join(dir, "pool.json");
    writeFileSync(
      pool,
      JSON.stringify({ version: 1, models: [{ id: "echo", family: "test", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "openai", baseURL: upstream.baseURL, model: "echo", maxRetries: 0 } }] }),
    );
    const graph = join(dir, "pair.json");
    writeFileSync(
      graph,
      JSON.stringify({
        version: 1,
        name: "pair",
        nodes: [
          { id: "first", role: "assistant", model: "echo" },
          { id: "second", role: "assistant", model: "echo" },
        ],
        edges: [["first", "second"]],
        output: "second",
      }),
    );
    session = await startServe([graph], { pool, host: "127.0.0.1", port: 0, cache: false });
    openai = client(session);
  });
  afterAll(async () => {
    await session?.close();
    await upstream?.close();
  });

  it("relays a real server's answer and usage", async () => {
    const r = (await openai.chat.completions.create({ model: "pair", messages: [{ role: "user", content: "say hi" }] })) as Completion;
    expect(r.choices[0]!.message.content).toMatch(/^echo: /);
    expect(upstream.chatRequests()).toHaveLength(2);
    expect(r.tts_graph.nodes.every((n) => !n.estimated)).toBe(true);
    const sum = r.tts_graph.nodes.reduce((s, n) => s + n.prompt_tokens + n.completion_tokens, 0);
    expect(r.usage?.total_tokens).toBe(sum);
  });

  it("gives 502 naming the node whose provider call failed", async () => {
    upstream.resetStats();
    upstream.enqueue({ kind: "answer", text: "a first answer" }, { kind: "status", status: 500, message: "the upstream broke" });
    const e = await apiError(openai.chat.completions.create({ model: "pair", messages: [{ role: "user", content: "say hi" }] }));
    expect(e.status).toBe(502);
    expect(e.type).toBe("server_error");
    expect(e.code).toBe("node_failed");
    expect(e.message).toMatch(/node "second" \(model echo\) failed: .*HTTP 500/);
    expect(upstream.chatRequests()).toHaveLength(2);
  });

  it("finishes a request in flight before shutting down, and accepts no new ones", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const started = new Promise<void>((r) => (arrived = r));
    upstream.setHandler(async () => {
      arrived();
      await gate;
      return { kind: "answer", text: "late answer" };
    });
    const events: string[] = [];
    const pending = openai.chat.completions.create({ model: "pair", messages: [{ role: "user", content: "slow" }] }).then((r) => {
      events.push("answered");
      return r;
    });
    await started;
    expect(session.server.inFlight()).toBe(1);
    const closing = session.close().then(() => events.push("closed"));
    // New connections are refused once closing has begun.
    const refused = await fetch(`${session.server.url}/v1/models`).then(
      (r) => r.status,
      () => "refused",
    );
    expect([503, "refused"]).toContain(refused);
    // Closing waits for the request in flight, which waits for the upstream.
    expect(events).toEqual([]);
    expect(session.server.inFlight()).toBe(1);
    release();
    const r = await pending;
    await closing;
    expect(r.choices[0]!.message.content).toBe("late answer");
    expect(events.sort()).toEqual(["answered", "closed"]);
    expect(session.server.inFlight()).toBe(0);
  });
});

describe("the handler without a socket", () => {
  it("answers a web Request in-process and refuses a body over its limit", async () => {
    const task = resolveTask("sim:math", { seed: 0 });
    const ctx = cliContext(task, poolFor("sim:math", "sim:llama"), { seed: 0 }, null);
    const graph = prepareGraph(loadGraphFile(join(GRAPHS, "single.json")), ctx);
    const handler = createServeHandler({ graphs: [{ id: "single", graph, ctx, findItem: (q: string) => findItem(task, q) }], maxBodyBytes: 200 });
    const item = task.items("test")[0]!;
    const ok = await handler(new Request("http://in-process/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "single", messages: [{ role: "user", content: item.id }] }) }));
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Completion;
    expect(body.tts_graph.item_id).toBe(item.id);
    expect(body.choices[0]!.message.content).toMatch(/\\boxed\{/);
    const big = await handler(new Request("http://in-process/v1/chat/completions", { method: "POST", body: "x".repeat(500) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
  });
});

describe("model ids", () => {
  it("are made unique in order", () => {
    expect(uniqueIds(["a", "b", "a", "a-2", "a"])).toEqual(["a", "b", "a-3", "a-2", "a-4"]);
  });
});
