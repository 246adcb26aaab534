/**
 * The project's tiny GGUF models behind `serve`: a graph over examples/pools/tiny-gguf.yaml is served,
 * and becomes the model of an OpenAI-compatible pool entry. A graph using that entry then runs end to
 * end through the OpenAI provider (real HTTP, real llama.cpp calls behind it), and every served
 * answer and its usage must be exactly what the served graph gives in-process with the seed the
 * provider sent.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliContext, poolFor } from "../../src/cli/exec-setup.js";
import { startServe, type ServeSession } from "../../src/cli/commands/serve.js";
import type { ExecContext } from "../../src/exec/context.js";
import { createExecContext } from "../../src/exec/context.js";
import { evaluate } from "../../src/exec/evaluate.js";
import { prepareGraph, runGraph, samplingSeed, type PreparedGraph } from "../../src/exec/run.js";
import { loadGraphFile } from "../../src/graph/io.js";
import type { LoadedPool } from "../../src/models/pool.js";
import { resolveProviders, resolveTask } from "../../src/resolve.js";
import { arithPrompt, createArithTask } from "../../src/tasks/arith.js";
import type { Task } from "../../src/tasks/types.js";
import type { ServedTrace } from "../../src/serve/index.js";
import { ROOT } from "../helpers/cli.js";
import { llamaMissing } from "../helpers/gguf.js";
import { fanIn } from "../helpers/graphs.js";
import { tempDir } from "../helpers/tmp.js";

const POOL = join(ROOT, "examples", "pools", "tiny-gguf.yaml");
const FUSE = join(ROOT, "examples", "graphs", "tiny-fuse.json");
const MAX_TOKENS = 16;

const missing = await llamaMissing("the served tiny models");

describe.skipIf(missing !== null)("a tiny-model graph served over HTTP and used as a pool model", () => {
  const dir = tempDir();
  let session: ServeSession;
  let local: ExecContext;
  let fuse: PreparedGraph;

  beforeAll(async () => {
    const large = join(dir, "large.json");
    writeFileSync(large, JSON.stringify({ version: 1, name: "large", nodes: [{ id: "solo", role: "assistant", model: "arith-large" }], edges: [], output: "solo" }));
    session = await startServe([FUSE, large], { task: "arith", pool: POOL, host: "127.0.0.1", port: 0, cache: false, seed: 0, maxTokens: MAX_TOKENS });
    // The same graph in-process, with its own providers, to check the served answers against.
    local = cliContext(resolveTask("arith", { seed: 0 }), poolFor("arith", POOL), { seed: 0, maxTokens: MAX_TOKENS }, null);
    fuse = prepareGraph(loadGraphFile(FUSE), local);
  });
  afterAll(async () => {
    await session?.close();
    if (local) for (const m of local.models.values()) await local.provider(m).close?.();
  });

  /** The served graph run in-process on a question with a run seed. */
  function inProcess(question: string, seed: number) {
    return runGraph(fuse, { id: "question", question, answer: "" }, { ...local, seed }, { grade: false });
  }

  it("answers the openai client with the graph's output and real summed usage", async () => {
    const openai = new OpenAI({ baseURL: `${session.server.url}/v1`, apiKey: "none", maxRetries: 0 });
    const r = (await openai.chat.completions.create({ model: "tiny-fuse", messages: [{ role: "user", content: "47+38" }], seed: 11 })) as OpenAI.Chat.Completions.ChatCompletion & { tts_graph: ServedTrace };
    const expected = await inProcess("47+38", 11);
    expect(expected.errored).toBe(false);
    expect(r.choices[0]!.message.content).toBe(expected.output);
    expect(r.tts_graph.nodes).toHaveLength(4);
    expect(r.tts_graph.nodes.every((n) => !n.estimated && n.error === null)).toBe(true);
    // Every character is a token of these models, plus BOS in the prompt and the end token in the output.
    const prompt = expected.nodes.reduce((s, n) => s + n.promptTokens, 0);
    const completion = expected.nodes.reduce((s, n) => s + n.completionTokens, 0);
    expect(r.usage).toEqual({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
    expect(r.tts_graph.flops).toBe(expected.flops);
  });

  it("runs a graph whose nodes call the served graph through the OpenAI provider", async () => {
    const embedded = poolFor("arith", POOL);
    const large = embedded.pool.models.find((m) => m.id === "arith-large")!;
    const outerPool: LoadedPool = {
      source: "served-pool",
      baseDir: embedded.baseDir,
      pool: {
        name: "served",
        models: [
          { id: "served-fuse", family: "tts-graph", params: large.params, layers: large.layers, hidden: large.hidden, endpoint: { kind: "openai", baseURL: `${session.server.url}/v1`, model: "tiny-fuse", maxRetries: 0 } },
          { ...large, endpoint: { ...large.endpoint, path: join(embedded.baseDir, (large.endpoint as { path: string }).path) } as typeof large.endpoint },
        ],
      },
    };
    // A served graph is asked the bare question; the fuser reads candidates in the format it was trained on.
    const arith = createArithTask({ seed: 3 });
    const task: Task = {
      ...arith,
      render: (input) =>
        input.references.length === 0
          ? [{ role: "user", content: input.item.question }]
          : [{ role: "user", content: arithPrompt(input.item.question, input.role === "fuser" ? "fuse" : "refine", input.references.map((r) => r.answer ?? "?")) }],
    };
    const graph = fanIn("served-fuse", "arith-large");
    const providers = resolveProviders(outerPool);
    const ctx = createExecContext({ task, models: outerPool.pool.models, providers, cache: null, seed: 5, sampling: { temperature: 0.7, maxTokens: MAX_TOKENS } });
    const items = arith.items("test").slice(0, 10);
    let result;
    try {
      result = await evaluate(graph, items, ctx);
    } finally {
      await providers(outerPool.pool.models[1]!).close?.();
    }
    expect(result.errored).toBe(0);
    expect(result.estimatedCalls).toBe(0);
    expect(result.calls).toBe(items.length * 4);
    for (const [k, t] of result.traces.entries()) {
      const served = t.nodes.filter((n) => n.model === "served-fuse");
      expect(served.map((n) => n.sampleIndex).sort()).toEqual([0, 1, 2]);
      for (const n of served) {
        // The provider sent seed samplingSeed(5, k); the server ran the graph with it as the run seed.
        const expected = await inProcess(items[k]!.question, samplingSeed(5, n.sampleIndex));
        expect(n.text).toBe(expected.output);
        expect(n.promptTokens).toBe(expected.nodes.reduce((s, x) => s + x.promptTokens, 0));
        expect(n.completionTokens).toBe(expected.nodes.reduce((s, x) => s + x.completionTokens, 0));
      }
    }
    // The served graph is a real arithmetic solver, not a placeholder.
    expect(result.accuracy.rate).toBeGreaterThan(0.5);
  });
});
