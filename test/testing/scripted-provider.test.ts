/** The `testing` entry's scripted provider, driving the real executor as a user's test would. */
import { describe, expect, it } from "vitest";
import { createExecContext } from "../../src/exec/context.js";
import { evaluate } from "../../src/exec/evaluate.js";
import { parseGraph } from "../../src/graph/validate.js";
import { ProviderCallError } from "../../src/models/errors.js";
import type { ModelSpec } from "../../src/models/spec.js";
import { createTask } from "../../src/tasks/task.js";
import { createOpenAIProvider } from "../../src/models/openai.js";
import { scriptedProvider, startOpenAIServer } from "../../src/testing/index.js";

const spec: ModelSpec = { id: "m", family: "test", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "module", path: "scripted.mjs" } };
const sums = createTask(
  {
    id: "sums",
    style: "math",
    load: () => [
      { id: "q1", question: "What is 2+2?", answer: "4" },
      { id: "q2", question: "What is 3+3?", answer: "6" },
    ],
  },
  { splits: { search: 0, validation: 0 } },
);
const single = parseGraph({ version: 1, nodes: [{ id: "a", role: "assistant", model: "m" }], edges: [], output: "a" });

describe("scriptedProvider", () => {
  it("answers from a function of the request, records every call, and is graded by the executor (its TSDoc example)", async () => {
    const model = scriptedProvider((request) => (request.messages.at(-1)!.content.includes("2+2") ? "\\boxed{4}" : "\\boxed{0}"));
    const ctx = createExecContext({ task: sums, models: [spec], providers: () => model });
    const result = await evaluate(single, sums.items("test"), ctx);
    expect(result.items).toBe(2);
    expect(result.correct).toBe(1);
    expect(model.calls).toHaveLength(2);
    expect(model.calls.map((c) => c.metadata?.item.id).sort()).toEqual(["q1", "q2"]);
  });

  it("replays a list in order; an Error fails its call, and a list that runs out fails the rest", async () => {
    const boom = new Error("boom");
    const model = scriptedProvider(["first answer", { text: "second", usage: { promptTokens: 7, completionTokens: 1 } }, boom]);
    const call = () => model.generate({ model: spec, messages: [{ role: "user", content: "two words" }], sampling: { temperature: 0, maxTokens: 8 }, sampleIndex: 0 });
    const a = await call();
    expect(a).toMatchObject({ text: "first answer", finishReason: "stop", usage: { promptTokens: 2, completionTokens: 2 }, latencyMs: 1 });
    expect((await call()).usage).toEqual({ promptTokens: 7, completionTokens: 1 });
    const failed = await call().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ProviderCallError);
    expect((failed as ProviderCallError).cause).toBe(boom);
    await expect(call()).rejects.toThrow(/the script has 3 replies and this is call 4/);
    expect(model.calls).toHaveLength(4);
  });

  it("makes an item errored, not wrong, when its call fails", async () => {
    const model = scriptedProvider((request) => (request.messages.at(-1)!.content.includes("2+2") ? new Error("down") : "\\boxed{6}"));
    const result = await evaluate(single, sums.items("test"), createExecContext({ task: sums, models: [spec], providers: () => model }));
    expect(result.errored).toBe(1);
    expect(result.correct).toBe(1);
    expect(result.accuracy.n).toBe(1);
  });
});

describe("startOpenAIServer", () => {
  it("scripts a failure before the handler's answers, as the README shows", async () => {
    const server = await startOpenAIServer({ handler: () => ({ kind: "answer", text: "\\boxed{4}" }) });
    try {
      server.enqueue({ kind: "status", status: 503 });
      const model: ModelSpec = { id: "m", family: "test", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "openai", baseURL: server.baseURL, model: "m" } };
      const reply = await createOpenAIProvider(model, { retry: { initialDelayMs: 1 } }).generate({ model, messages: [{ role: "user", content: "2+2?" }], sampling: { temperature: 0, maxTokens: 8 }, sampleIndex: 0 });
      expect(reply.text).toBe("\\boxed{4}");
      expect(reply.attempts).toBe(2);
      expect(server.chatRequests()).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});
