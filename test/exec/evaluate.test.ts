import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ResponseCache } from "../../src/exec/cache.js";
import type { ExecContextOptions } from "../../src/exec/context.js";
import { evaluate, prepareGraph, quantile, type EvalProgress } from "../../src/exec/index.js";
import type { Graph } from "../../src/graph/schema.js";
import { ProviderConfigError } from "../../src/models/errors.js";
import { wilson } from "../../src/util/stats.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";
import { adder, barrier, FAN_IN, FAST_RETRY, openaiModel, operands, serverContext, SINGLE, writeArithmeticTask } from "./helpers.js";

let server: TestServer;
const dir = tempDir();
const pairs: [number, number][] = [
  [1, 1],
  [2, 3],
  [4, 5],
  [6, 7],
  [8, 9],
  [13, 21],
];
const { task } = writeArithmeticTask(dir, pairs);
const items = task.allItems();

beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.resetStats();
  server.setHandler(adder());
});

const context = (extra: Partial<ExecContextOptions> = {}) => serverContext(task, server.baseURL, { seed: 3, ...extra });

describe("evaluate", () => {
  it("keeps errored items apart from wrong ones", async () => {
    // 4 + 5 is answered wrongly by every model; 6 + 7 makes the big model's server fail with a 400.
    server.setHandler((req) => {
      const [a] = operands(req)!;
      if (a === 6 && req.body!.model === "big") return { kind: "status", status: 400, message: "rejected" };
      return adder((x) => x === 4)(req);
    });
    const progress: EvalProgress[] = [];
    const r = await evaluate(FAN_IN, items, context(), { onProgress: (p) => progress.push(p) });
    expect(r.items).toBe(6);
    expect(r.errored).toBe(1);
    expect(r.correct).toBe(4);
    expect(r.accuracy).toEqual(wilson(4, 5));
    const byQ = new Map(r.traces.map((t) => [items.find((i) => i.id === t.itemId)!.question, t]));
    expect(byQ.get("What is 4 + 5?")!.correct).toBe(false);
    expect(byQ.get("What is 4 + 5?")!.errored).toBe(false);
    expect(byQ.get("What is 6 + 7?")!.correct).toBeNull();
    expect(byQ.get("What is 6 + 7?")!.errored).toBe(true);
    // Every call was made, including the failed one: 6 items x 4 nodes.
    expect(r.calls).toBe(24);
    expect(server.chatRequests()).toHaveLength(24);
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress.at(-1)).toMatchObject({ total: 6, correct: 4, errored: 1 });
    // Means are over the items that did not error.
    const ok = r.traces.filter((t) => !t.errored);
    expect(r.meanFlops).toBeCloseTo(ok.reduce((s, t) => s + t.flops, 0) / ok.length, 0);
    expect(r.meanUnits).toBeCloseTo(r.meanFlops / context().unitFlops, 9);
    expect(r.meanLatencyMs).toBeCloseTo(ok.reduce((s, t) => s + t.latencyMs, 0) / ok.length, 6);
    expect(r.p95LatencyMs).toBe(quantile(ok.map((t) => t.latencyMs), 0.95));
    expect(r.estimatedCalls).toBe(0);
    expect(r.retries).toBe(0);
    expect(r.cache).toEqual({ hits: 0, misses: 0 });
  });

  it("holds calls to the global concurrency limit across items", async () => {
    server.setHandler(barrier(2, adder()));
    const r = await evaluate(SINGLE, items, context({ concurrency: 2 }));
    expect(r.correct).toBe(6);
    expect(server.maxInFlight).toBe(2);
  });

  it("counts retries and estimated calls", async () => {
    server.enqueue({ kind: "status", status: 503 }, { kind: "status", status: 429, headers: { "retry-after-ms": "5" } });
    server.setHandler((req) => ({ ...(adder()(req) as { kind: "answer"; text: string }), usage: false }));
    const ctx = serverContext(task, server.baseURL, { concurrency: 1 }, FAST_RETRY);
    const r = await evaluate(SINGLE, items, ctx);
    expect(r.retries).toBe(2);
    expect(r.estimatedCalls).toBe(6);
    expect(r.correct).toBe(6);
    expect(server.chatRequests()).toHaveLength(8);
  });

  it("serves a rerun from the cache without calling the server, and --no-cache calls again", async () => {
    const path = join(dir, "cache.sqlite");
    const first = ResponseCache.open(path);
    const a = await evaluate(FAN_IN, items, context({ cache: first }));
    first.close();
    expect(a.cache).toEqual({ hits: 0, misses: 24 });
    expect(server.chatRequests()).toHaveLength(24);

    const second = ResponseCache.open(path);
    expect(second.size()).toBe(24);
    const b = await evaluate(FAN_IN, items, context({ cache: second }));
    expect(server.chatRequests()).toHaveLength(24); // no new request
    expect(b.cache).toEqual({ hits: 24, misses: 0 });
    expect(b.accuracy).toEqual(a.accuracy);
    expect(b.meanFlops).toBe(a.meanFlops);
    expect(b.meanLatencyMs).toBe(a.meanLatencyMs);
    expect(b.traces.every((t) => t.nodes.every((n) => n.cached && n.attempts === 0))).toBe(true);
    expect(b.traces.map((t) => t.output)).toEqual(a.traces.map((t) => t.output));

    // Another run seed means other sampling seeds: a different request, so a miss.
    const c = await evaluate(SINGLE, items.slice(0, 1), context({ cache: second, seed: 4 }));
    expect(c.cache).toEqual({ hits: 0, misses: 1 });
    second.close();

    const d = await evaluate(FAN_IN, items, context({ cache: null }));
    expect(d.cache).toEqual({ hits: 0, misses: 0 });
    expect(server.chatRequests()).toHaveLength(24 + 1 + 24);
  });

  it("never caches errors", async () => {
    const cache = ResponseCache.open(":memory:");
    server.enqueue({ kind: "status", status: 400, message: "transient refusal" });
    const a = await evaluate(SINGLE, items.slice(0, 1), context({ cache }));
    expect(a.errored).toBe(1);
    expect(cache.size()).toBe(0);
    const b = await evaluate(SINGLE, items.slice(0, 1), context({ cache }));
    expect(b.errored).toBe(0);
    expect(b.cache).toEqual({ hits: 0, misses: 1 });
    expect(server.chatRequests()).toHaveLength(2);
    cache.close();
  });

  it("shares one context across graphs evaluated at once, with identical calls made only once", async () => {
    const cache = ResponseCache.open(":memory:");
    const ctx = context({ cache });
    const chain = (role: "assistant" | "fuser"): Graph => ({
      version: 1,
      nodes: [
        { id: "s", role: "assistant", model: "small" },
        { id: "t", role, model: "big" },
      ],
      edges: [["s", "t"]],
      output: "t",
    });
    const [x, y] = await Promise.all([
      evaluate(prepareGraph(chain("assistant"), ctx), items, ctx, { keepPrompts: false }),
      evaluate(chain("fuser"), items, ctx, { keepPrompts: false }),
    ]);
    expect(x.correct + y.correct).toBe(12);
    // The first node of both graphs is the same call: 6 shared calls, then 6 + 6 big-model calls.
    expect(server.chatRequests()).toHaveLength(18);
    expect(x.cache.hits + y.cache.hits).toBe(6);
    expect(x.traces[0]!.nodes[0]!.prompt).toEqual([]);
    cache.close();
  });

  it("stops with the user's error when a provider cannot be set up", async () => {
    const models = [openaiModel("small", server.baseURL, { apiKeyEnv: "TTS_GRAPH_TEST_UNSET_KEY" }), openaiModel("big", server.baseURL)];
    const ctx = serverContext(task, server.baseURL, {}, { openai: { env: {} } }, models);
    await expect(evaluate(SINGLE, items, ctx)).rejects.toBeInstanceOf(ProviderConfigError);
    expect(server.chatRequests()).toHaveLength(0);
  });

  it("rejects a graph that uses a model outside the pool before calling anything", async () => {
    const g: Graph = { version: 1, nodes: [{ id: "n", role: "assistant", model: "huge" }], edges: [], output: "n" };
    await expect(evaluate(g, items, context())).rejects.toThrow(/"huge", which is not in the pool/);
    expect(server.chatRequests()).toHaveLength(0);
  });
});
