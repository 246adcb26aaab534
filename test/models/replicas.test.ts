/**
 * Replicas of one model (`endpoints: [...]`) on real OpenAI-compatible servers: calls of one item go
 * to one replica, a busy replica's overflow goes to a free one, a replica killed mid-search is taken
 * out and its calls retried on the other with no item lost, and FLOPs are charged to the model
 * whichever replica answered.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAIReplicas } from "../../src/models/openai.js";
import { PoolSchema, type ModelSpec } from "../../src/models/spec.js";
import { readJournal } from "../../src/runs/journal.js";
import { runCli } from "../helpers/cli.js";
import { promptRequest } from "../helpers/gguf.js";
import { startOpenAIServer, type RecordedRequest, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";
import { adder, FAN_IN, operands, writeArithmeticTask } from "../exec/helpers.js";

const dir = tempDir();
let taskPath: string;

beforeAll(() => {
  taskPath = writeArithmeticTask(dir, Array.from({ length: 60 }, (_, i) => [i + 1, 5 * i + 4] as [number, number])).path;
});

function replicaPool(name: string, urls: string[], concurrency: number): string {
  const path = join(dir, name);
  const model = (id: string) => [`  - id: ${id}`, "    family: test", `    params: ${id === "big" ? 3e9 : 1e9}`, "    layers: 16", "    hidden: 2048", "    endpoints:", ...urls.flatMap((u) => ["      - kind: openai", `        baseURL: ${u}`, `        model: ${id}`, `        concurrency: ${concurrency}`])];
  writeFileSync(path, ["models:", ...model("small"), ...model("big")].join("\n") + "\n");
  return path;
}

const question = (r: RecordedRequest) => operands(r)?.join("+") ?? "";

describe("the pool schema", () => {
  it("takes endpoint or endpoints, not both and not neither, naming the field", () => {
    const base = { id: "m", family: "f", params: 1e9, layers: 2, hidden: 8 };
    const e = { kind: "openai", baseURL: "http://127.0.0.1:1/v1", model: "m" };
    const both = PoolSchema.safeParse({ models: [{ ...base, endpoint: e, endpoints: [e] }] });
    expect(both.success).toBe(false);
    expect(JSON.stringify(both.error?.issues)).toMatch(/give endpoint or endpoints, not both/);
    const neither = PoolSchema.safeParse({ models: [base] });
    expect(JSON.stringify(neither.error?.issues)).toMatch(/a model needs an endpoint/);
    const ok = PoolSchema.parse({ models: [{ ...base, endpoints: [e, { ...e, baseURL: "http://127.0.0.1:2/v1" }] }] });
    expect(ok.models[0]!.endpoint).toEqual(e);
    expect(ok.models[0]!.endpoints).toHaveLength(2);
  });
});

describe("spreading by load", () => {
  it("sends a call whose home replica is busy to a free one", async () => {
    const a = await startOpenAIServer({ handler: () => ({ kind: "answer", text: "4", delayMs: 300 }) });
    const b = await startOpenAIServer({ handler: () => ({ kind: "answer", text: "4", delayMs: 300 }) });
    try {
      const model: ModelSpec = { id: "m", family: "f", params: 1e9, layers: 2, hidden: 8, endpoint: { kind: "openai", baseURL: a.baseURL, model: "m", concurrency: 1 }, endpoints: [{ kind: "openai", baseURL: a.baseURL, model: "m", concurrency: 1 }, { kind: "openai", baseURL: b.baseURL, model: "m", concurrency: 1 }] };
      const set = openAIReplicas(model);
      // One item: every call has the same item id.
      const request = promptRequest(model, "What is 2 + 2?", { temperature: 0, maxTokens: 8 });
      await Promise.all([set.generate(request), set.generate({ ...request, sampleIndex: 1 })]);
      expect([a.chatRequests().length, b.chatRequests().length]).toEqual([1, 1]);
      // One at a time, the same item always goes home.
      a.resetStats();
      b.resetStats();
      for (let k = 0; k < 3; k++) await set.generate({ ...request, sampleIndex: k });
      expect([a.chatRequests().length, b.chatRequests().length].sort()).toEqual([0, 3]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("two replicas, one killed midway", () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startOpenAIServer({ models: ["small", "big"], handler: adder() });
    b = await startOpenAIServer({ models: ["small", "big"], handler: adder() });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it("the search completes with calls spread over both, each item at one replica while both lived, and no item lost", async () => {
    const pool = replicaPool("replicas.yaml", [a.baseURL, b.baseURL], 64);
    let seen = 0;
    let killedAt = -1;
    a.setHandler((req) => {
      if (++seen === 40) {
        killedAt = b.chatRequests().length;
        void a.close();
      }
      return adder()(req);
    });
    const out = join(dir, "run");
    const r = await runCli(["search", "--task", taskPath, "--pool", pool, "--budget", "6", "--evals", "200", "--concurrency", "8", "--out", out, "--no-cache", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout).result;
    expect(killedAt).toBeGreaterThanOrEqual(0);
    expect(result.cost.erroredItems).toBe(0);
    // Every evaluation the search made was graded: none errored, none dropped.
    const outcomes = readJournal(join(out, "events.jsonl")).events.flatMap((e) => (e.type === "eval.batch" ? e.items : []));
    expect(outcomes.length).toBe(result.cost.evals.total);
    expect(outcomes.length).toBeGreaterThan(100);
    for (const o of outcomes) expect(o.correct).not.toBeNull();
    // Spread: both replicas answered, and the survivor took every call after the kill.
    expect(a.chatRequests().length).toBeGreaterThanOrEqual(40);
    expect(b.chatRequests().length).toBeGreaterThan(killedAt + 10);
    // Affinity while both lived: no question was asked at both replicas.
    const atA = new Set(a.chatRequests().slice(0, 30).map(question));
    const atB = new Set(b.chatRequests().slice(0, killedAt).map(question));
    expect([...atA].filter((q) => atB.has(q))).toEqual([]);
    expect(JSON.parse(readFileSync(join(out, "result.json"), "utf8")).cost.erroredItems).toBe(0);
  }, 60_000);

  it("charges FLOPs to the model: the same graph costs the same on one endpoint or two replicas", async () => {
    const graph = join(dir, "fan-in.json");
    writeFileSync(graph, JSON.stringify(FAN_IN));
    const single = replicaPool("single.yaml", [b.baseURL], 8);
    const two = replicaPool("two.yaml", [b.baseURL, b.baseURL.replace("127.0.0.1", "localhost")], 8);
    const run = async (pool: string) => {
      const e = await runCli(["eval", graph, "--task", taskPath, "--pool", pool, "--split", "validation", "--limit", "6", "--no-cache", "--json"]);
      expect(e.code, e.stderr).toBe(0);
      return JSON.parse(e.stdout);
    };
    const one = await run(single);
    const both = await run(two);
    expect(both.meanFlops).toBe(one.meanFlops);
    expect(both.itemResults.map((i: { flops: number }) => i.flops)).toEqual(one.itemResults.map((i: { flops: number }) => i.flops));
  });
});
