import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { measuredEntry } from "../../src/cost/ledger.js";
import type { ExecContextOptions } from "../../src/exec/context.js";
import { runGraph, samplingSeed } from "../../src/exec/run.js";
import { estimatePromptTokens, estimateTextTokens } from "../../src/exec/usage.js";
import type { Graph } from "../../src/graph/schema.js";
import { toCostModel } from "../../src/models/spec.js";
import { startOpenAIServer, wordCount, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";
import { adder, barrier, FAN_IN, FAST_RETRY, operands, serverContext, SINGLE, writeArithmeticTask } from "./helpers.js";

let server: TestServer;
const dir = tempDir();
const { task } = writeArithmeticTask(dir, [
  [2, 3],
  [10, 20],
  [7, 8],
]);
const item = task.allItems().find((i) => i.question === "What is 2 + 3?")!;

beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.resetStats();
  server.setHandler(adder());
});

const context = (extra: Partial<ExecContextOptions> = {}) => serverContext(task, server.baseURL, { seed: 7, ...extra });

describe("runGraph through the OpenAI-compatible provider", () => {
  it("runs a level's nodes concurrently, feeds their outputs to the fuser and grades the answer", async () => {
    server.setHandler(barrier(3, adder()));
    const trace = await runGraph(FAN_IN, item, context());
    expect(server.maxInFlight).toBe(3);
    expect(trace.errored).toBe(false);
    expect(trace.correct).toBe(true);
    expect(trace.answer).toBe("5");
    expect(trace.output).toBe("2 plus 3 makes 5. \\boxed{5}");
    expect(trace.nodes.map((n) => n.id)).toEqual(["a1", "a2", "a3", "fuse"]);

    const reqs = server.chatRequests();
    expect(reqs).toHaveLength(4);
    // The fuser was called last, with every assistant's answer in its prompt.
    const fuserReq = reqs[3]!;
    expect(fuserReq.body!.model).toBe("big");
    const fuserPrompt = fuserReq.body!.messages!.at(-1)!.content;
    expect(fuserPrompt.match(/2 plus 3 makes 5/g)).toHaveLength(3);
    const fuse = trace.nodes[3]!;
    expect(fuse.prompt).toEqual(fuserReq.body!.messages);
    expect(fuse.role).toBe("fuser");
    expect(fuse.isOutput).toBe(true);
  });

  it("gives parallel identical nodes distinct sample indices, so the server sees distinct seeds", async () => {
    const trace = await runGraph(FAN_IN, item, context());
    const assistants = trace.nodes.filter((n) => n.role === "assistant");
    expect(assistants.map((n) => n.sampleIndex).sort()).toEqual([0, 1, 2]);
    expect(new Set(assistants.map((n) => JSON.stringify(n.prompt))).size).toBe(1);
    const seeds = server
      .chatRequests()
      .filter((r) => r.body!.model === "small")
      .map((r) => r.body!.seed);
    expect(new Set(seeds).size).toBe(3);
    expect(seeds.sort()).toEqual([0, 1, 2].map((k) => samplingSeed(7, k)).sort());
    expect(trace.nodes[3]!.sampleIndex).toBe(0);
  });

  it("reports tokens from the server's usage, FLOPs from the ledger, and the critical-path latency", async () => {
    const chain: Graph = {
      version: 1,
      nodes: [
        { id: "x", role: "assistant", model: "small" },
        { id: "y", role: "assistant", model: "small" },
        { id: "z", role: "assistant", model: "big" },
        { id: "out", role: "fuser", model: "big" },
      ],
      edges: [
        ["x", "z"],
        ["z", "out"],
        ["y", "out"],
      ],
      output: "out",
    };
    const ctx = context();
    const trace = await runGraph(chain, item, ctx);
    expect(trace.errored).toBe(false);
    const byId = new Map(trace.nodes.map((n) => [n.id, n]));
    const reqs = server.chatRequests();
    for (const n of trace.nodes) {
      const req = reqs.find((r) => JSON.stringify(r.body!.messages) === JSON.stringify(n.prompt) && r.body!.model === n.model)!;
      expect(n.promptTokens).toBe(req.body!.messages!.reduce((s, m) => s + wordCount(m.content), 0));
      expect(n.completionTokens).toBe(wordCount(n.text));
      expect(n.estimated).toBe(false);
      expect(n.attempts).toBe(1);
      expect(n.flops).toBe(measuredEntry(toCostModel(ctx.models.get(n.model)!), n.promptTokens, n.completionTokens, false, n.latencyMs).flops);
      expect(n.latencyMs).toBeGreaterThan(0);
    }
    expect(trace.flops).toBeCloseTo(trace.nodes.reduce((s, n) => s + n.flops, 0), 0);
    const [x, y, z, out] = ["x", "y", "z", "out"].map((id) => byId.get(id)!);
    expect(z!.startMs).toBe(x!.latencyMs);
    expect(out!.startMs).toBe(Math.max(x!.latencyMs + z!.latencyMs, y!.latencyMs));
    expect(trace.latencyMs).toBe(out!.startMs + out!.latencyMs);
    expect(trace.estimated).toBe(false);
    expect(trace.dollars).toBeUndefined();
  });

  it("estimates tokens when the server reports no usage, and marks the trace estimated", async () => {
    server.setHandler((req) => ({ ...(adder()(req) as { kind: "answer"; text: string }), usage: false }));
    const trace = await runGraph(SINGLE, item, context());
    const n = trace.nodes[0]!;
    expect(n.estimated).toBe(true);
    expect(trace.estimated).toBe(true);
    expect(n.promptTokens).toBe(estimatePromptTokens(n.prompt));
    expect(n.completionTokens).toBe(estimateTextTokens(n.text));
    expect(n.completionTokens).toBeGreaterThan(0);
    expect(trace.correct).toBe(true);
  });

  it("drops nodes that cannot reach the output", async () => {
    const g: Graph = {
      version: 1,
      nodes: [
        { id: "a", role: "assistant", model: "small" },
        { id: "dead", role: "assistant", model: "big" },
        { id: "out", role: "assistant", model: "big" },
      ],
      edges: [
        ["a", "out"],
        ["a", "dead"],
      ],
      output: "out",
    };
    const trace = await runGraph(g, item, context());
    expect(trace.nodes.map((n) => n.id)).toEqual(["a", "out"]);
    expect(server.chatRequests()).toHaveLength(2);
  });

  it("makes the item errored, not wrong, when a call fails, and runs nothing downstream", async () => {
    server.setHandler((req) => (req.body!.model === "small" && req.body!.seed === samplingSeed(7, 1) ? { kind: "status", status: 400, message: "context too long" } : adder()(req)));
    const trace = await runGraph(FAN_IN, item, context());
    expect(trace.errored).toBe(true);
    expect(trace.correct).toBeNull();
    expect(trace.answer).toBeNull();
    expect(trace.error).toMatchObject({ code: "provider_call" });
    expect(trace.error!.message).toContain("context too long");
    const failed = trace.nodes.find((n) => n.error)!;
    expect(failed.sampleIndex).toBe(1);
    expect(failed.finishReason).toBe("error");
    expect(trace.error!.node).toBe(failed.id);
    // The fuser never ran.
    expect(trace.nodes.map((n) => n.id)).not.toContain("fuse");
    expect(server.chatRequests().filter((r) => r.body!.model === "big")).toHaveLength(0);
  });

  it("counts retries in the node's attempts", async () => {
    server.enqueue({ kind: "status", status: 500 });
    const trace = await runGraph(SINGLE, item, serverContext(task, server.baseURL, { seed: 7 }, FAST_RETRY));
    expect(trace.nodes[0]!.attempts).toBe(2);
    expect(trace.correct).toBe(true);
    expect(operands(server.chatRequests()[1]!)).toEqual([2, 3]);
  });

  it("gives the same sample indices to a renamed, reordered copy of the graph", async () => {
    const renamed: Graph = {
      version: 1,
      nodes: [
        { id: "F", role: "fuser", model: "big" },
        { id: "p", role: "assistant", model: "small" },
        { id: "q", role: "assistant", model: "small" },
        { id: "r", role: "assistant", model: "small" },
      ],
      edges: [
        ["r", "F"],
        ["p", "F"],
        ["q", "F"],
      ],
      output: "F",
    };
    const a = await runGraph(FAN_IN, item, context());
    const b = await runGraph(renamed, item, context());
    expect(b.graphHash).toBe(a.graphHash);
    const idx = (t: typeof a) => t.nodes.map((n) => `${n.model}:${n.sampleIndex}`).sort();
    expect(idx(b)).toEqual(idx(a));
  });
});
