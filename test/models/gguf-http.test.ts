/**
 * The tiny models over HTTP: a real OpenAI-compatible server on 127.0.0.1 answers chat completions
 * by running the embedded provider (usage from its real token counts), and a pool of kind `openai`
 * points at it. A graph then runs end to end through the OpenAI-compatible provider, and at
 * temperature 0 it must give exactly what the same graph gives on the embedded pool.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecContext } from "../../src/exec/context.js";
import { evaluate } from "../../src/exec/evaluate.js";
import type { EvalResult } from "../../src/exec/types.js";
import type { Graph } from "../../src/graph/schema.js";
import { GgufProvider } from "../../src/models/gguf.js";
import type { LoadedPool } from "../../src/models/pool.js";
import type { CallRequest } from "../../src/models/provider.js";
import { resolvePool, resolveProviders } from "../../src/resolve.js";
import { createArithTask } from "../../src/tasks/arith.js";
import { ROOT } from "../helpers/cli.js";
import { llamaMissing } from "../helpers/gguf.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";

const POOL = join(ROOT, "examples", "pools", "tiny-gguf.yaml");

const missing = await llamaMissing("the HTTP path of the tiny models");

// Three small samples, refined by the medium model, fused by the large one.
const GRAPH: Graph = {
  version: 1,
  nodes: [
    { id: "s1", role: "assistant", model: "arith-small" },
    { id: "s2", role: "assistant", model: "arith-small" },
    { id: "s3", role: "assistant", model: "arith-small" },
    { id: "r", role: "assistant", model: "arith-medium" },
    { id: "f", role: "fuser", model: "arith-large" },
  ],
  edges: [
    ["s1", "r"],
    ["s2", "r"],
    ["s1", "f"],
    ["s2", "f"],
    ["s3", "f"],
    ["r", "f"],
  ],
  output: "f",
};

describe.skipIf(missing !== null)("tiny models through an OpenAI-compatible server", () => {
  const embeddedPool = resolvePool(POOL);
  const task = createArithTask({ seed: 3 });
  const items = task.items("test").slice(0, 25);
  const local = new Map<string, GgufProvider>();
  let server: TestServer;
  let httpPool: LoadedPool;

  beforeAll(async () => {
    for (const m of embeddedPool.pool.models) {
      if (m.endpoint.kind === "gguf") local.set(m.id, new GgufProvider({ path: join(embeddedPool.baseDir, m.endpoint.path) }));
    }
    server = await startOpenAIServer({
      models: [...local.keys()],
      handler: async (req) => {
        const body = req.body ?? {};
        const provider = local.get(body.model ?? "");
        if (!provider) return { kind: "status", status: 404, message: `model ${body.model} not found` };
        const messages = (body.messages ?? []).map((m) => ({ role: m.role as "user", content: m.content }));
        const call: CallRequest = {
          model: embeddedPool.pool.models.find((m) => m.id === body.model)!,
          messages,
          sampling: { temperature: body.temperature ?? 1, maxTokens: body.max_completion_tokens ?? body.max_tokens ?? 16, seed: body.seed },
          sampleIndex: 0,
        };
        const r = await provider.generate(call);
        return {
          kind: "answer",
          text: r.text,
          finishReason: r.finishReason === "stop" ? "stop" : "length",
          usage: { prompt_tokens: r.usage.promptTokens!, completion_tokens: r.usage.completionTokens! },
        };
      },
    });
    httpPool = {
      source: "http-pool",
      baseDir: embeddedPool.baseDir,
      pool: {
        name: "tiny-http",
        models: embeddedPool.pool.models.map((m) => ({ ...m, endpoint: { kind: "openai" as const, baseURL: server.baseURL, model: m.id } })),
      },
    };
  });

  afterAll(async () => {
    await server?.close();
    for (const p of local.values()) await p.close();
  });

  async function run(loaded: LoadedPool, temperature: number): Promise<EvalResult> {
    const providers = resolveProviders(loaded);
    const ctx = createExecContext({ task, models: loaded.pool.models, providers, cache: null, seed: 5, sampling: { temperature, maxTokens: 16 } });
    try {
      return await evaluate(GRAPH, items, ctx);
    } finally {
      for (const m of loaded.pool.models) await providers(m).close?.();
    }
  }

  it("runs a graph end to end over HTTP with real token usage, as it runs in-process", async () => {
    const overHttp = await run(httpPool, 0);
    expect(overHttp.items).toBe(items.length);
    expect(overHttp.errored).toBe(0);
    expect(overHttp.estimatedCalls).toBe(0);
    expect(overHttp.calls).toBe(items.length * GRAPH.nodes.length);
    expect(server.chatRequests().length).toBe(overHttp.calls);
    // The fuser saw the compact fuse format, and the refining assistant the refine format.
    const fuserPrompts = server.chatRequests().filter((r) => r.body?.model === "arith-large");
    expect(fuserPrompts.every((r) => /^\d+[+\-*]\d+#[\d?]+(,[\d?]+){3}=$/.test(r.body!.messages!.map((m) => m.content).join("")))).toBe(true);
    for (const t of overHttp.traces) {
      for (const n of t.nodes) {
        expect(n.estimated).toBe(false);
        expect(n.promptTokens).toBe(1 + n.prompt.map((m) => m.content).join("").length);
        expect(n.completionTokens).toBe(n.text.length + 1);
      }
    }
    expect(overHttp.accuracy.rate).toBeGreaterThan(0.5);

    const inProcess = await run(embeddedPool, 0);
    expect(inProcess.traces.map((t) => t.answer)).toEqual(overHttp.traces.map((t) => t.answer));
    expect(inProcess.traces.map((t) => t.flops)).toEqual(overHttp.traces.map((t) => t.flops));
    expect(inProcess.correct).toBe(overHttp.correct);
  });

  it("samples reproducibly over HTTP at a temperature", async () => {
    const a = await run(httpPool, 1);
    const b = await run(httpPool, 1);
    expect(a.errored).toBe(0);
    expect(b.traces.map((t) => t.nodes.map((n) => n.text))).toEqual(a.traces.map((t) => t.nodes.map((n) => n.text)));
    // Sampling is real: the three small samples of an item disagree somewhere.
    const disagree = a.traces.filter((t) => new Set(t.nodes.filter((n) => n.model === "arith-small").map((n) => n.text)).size > 1).length;
    expect(disagree).toBeGreaterThan(0);
  });
});
