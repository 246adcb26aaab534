import { describe, expect, it } from "vitest";
import { ProviderCallError } from "../../src/models/errors.js";
import type { CallMetadata, CallRequest } from "../../src/models/provider.js";
import { resolvePool } from "../../src/resolve.js";
import { countTokens } from "../../src/sim/answers.js";
import { builtinSimProfile, createSimTask, createSimWorld, simProvider, type SimTask } from "../../src/sim/index.js";
import type { TaskItem } from "../../src/tasks/types.js";

const llama = resolvePool("sim:mixed").pool.models;
const spec = (id: string) => llama.find((m) => m.id === id)!;

function request(task: SimTask, item: TaskItem, model: string, extra: Partial<CallRequest> = {}, meta: Partial<CallMetadata> = {}): CallRequest {
  return {
    model: spec(model),
    messages: [{ role: "user", content: item.question }],
    metadata: { role: "assistant", isOutput: false, style: task.style, taskId: task.id, item: { id: item.id, question: item.question }, references: [], ...meta },
    sampling: { temperature: 0.7, maxTokens: 100_000 },
    sampleIndex: 0,
    ...extra,
  };
}

const tasks = ["math", "mmlu", "humaneval"].map((n) => createSimTask(createSimWorld(builtinSimProfile(n), 0)));

describe("the simulated provider", () => {
  it.each(tasks.map((t) => [t.id, t] as const))("%s: outputs in the task's format, with exact token counts, read back by extract and grade", async (_, task) => {
    const provider = simProvider(task.world);
    const items = task.items("search").slice(0, 150);
    let right = 0;
    for (const item of items) {
      const r = await provider.generate(request(task, item, "llama-8b"));
      expect(r.finishReason).toBe("stop");
      expect(r.usage.completionTokens).toBe(countTokens(r.text));
      expect(r.usage.promptTokens).toBeGreaterThan(0);
      const answer = task.extract(r.text);
      expect(answer).not.toBeNull();
      const g = await task.grade(item, r.text);
      expect(g.extracted).toBe(answer);
      if (g.correct) right++;
      if (task.style === "math") expect(r.text).toMatch(/\\boxed\{[^}]/);
      if (task.style === "choice") expect(answer).toMatch(/^[A-D]$/);
      if (task.style === "code") expect(r.text).toMatch(/```python\ndef solve_\d+\(a, b\):\n {4}return /);
    }
    // Alone, a model is right at about its calibrated rate (between its 1B and 70B siblings here).
    expect(right / items.length).toBeGreaterThan(0.3);
    expect(right / items.length).toBeLessThan(0.8);
  });

  it("answers from the item id and the references, not from the prompt text", async () => {
    const task = tasks[0]!;
    const provider = simProvider(task.world);
    for (const item of task.items("search").slice(0, 30)) {
      const a = await provider.generate(request(task, item, "llama-3b"));
      const b = await provider.generate(request(task, item, "llama-3b", { messages: [{ role: "user", content: "the gold answer is 7" }] }, { item: { id: item.id, question: "?" } }));
      expect(b).toEqual(a);
    }
  });

  it("is deterministic per sample index, and different sample indices draw differently", async () => {
    const task = tasks[0]!;
    const provider = simProvider(task.world);
    let differ = 0;
    for (const item of task.items("search").slice(0, 100)) {
      const s0 = await provider.generate(request(task, item, "llama-1b", { sampleIndex: 0 }));
      const again = await provider.generate(request(task, item, "llama-1b", { sampleIndex: 0 }));
      const s1 = await provider.generate(request(task, item, "llama-1b", { sampleIndex: 1 }));
      expect(again).toEqual(s0);
      if (task.extract(s1.text) !== task.extract(s0.text)) differ++;
    }
    expect(differ).toBeGreaterThan(10);
  });

  it("a different world seed is a different world", () => {
    const other = createSimTask(createSimWorld(builtinSimProfile("math"), 1));
    const a = tasks[0]!.items("test").slice(0, 50).map((i) => i.answer);
    const b = other.items("test").slice(0, 50).map((i) => i.answer);
    expect(a).not.toEqual(b);
    expect(tasks[0]!.items("test").slice(0, 50).map((i) => i.answer)).toEqual(a);
  });

  it("reports a simulated latency from prefill and decode speeds", async () => {
    const task = tasks[0]!;
    const provider = simProvider(task.world);
    const item = task.items("search")[0]!;
    for (const id of ["llama-1b", "llama-70b"]) {
      const r = await provider.generate(request(task, item, id));
      const s = spec(id).speed!;
      const expected = s.overheadMs! + (1000 * r.usage.promptTokens!) / s.prefillTokensPerSec + (1000 * r.usage.completionTokens!) / s.decodeTokensPerSec;
      expect(r.latencyMs).toBeCloseTo(expected, 6);
    }
  });

  it("counts its references' tokens into the prompt and stops at max tokens", async () => {
    const task = tasks[0]!;
    const provider = simProvider(task.world);
    const item = task.items("search")[3]!;
    const alone = await provider.generate(request(task, item, "llama-3b"));
    const ref = { nodeId: "a", model: "llama-3b", role: "assistant" as const, text: alone.text, answer: task.extract(alone.text) };
    const fused = await provider.generate(request(task, item, "llama-8b", {}, { role: "fuser", references: [ref, ref] }));
    expect(fused.usage.promptTokens).toBe(alone.usage.promptTokens! + 2 * alone.usage.completionTokens!);
    const cut = await provider.generate(request(task, item, "llama-3b", { sampling: { temperature: 0.7, maxTokens: 10 } }));
    expect(cut.finishReason).toBe("length");
    expect(cut.usage.completionTokens).toBe(10);
    expect(countTokens(cut.text)).toBe(10);
  });

  it("refuses models and items that are not in its world, as errors that are not retried", async () => {
    const task = tasks[0]!;
    const provider = simProvider(task.world);
    const item = task.items("search")[0]!;
    const foreign = { ...spec("llama-1b"), id: "qwen-7b" };
    await expect(provider.generate({ ...request(task, item, "llama-1b"), model: foreign })).rejects.toMatchObject({ code: "sim_unknown_model", isRetryable: false });
    const err = await provider.generate(request(task, { ...item, id: "gsm8k-17" }, "llama-1b")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderCallError);
    expect((err as ProviderCallError).code).toBe("sim_unknown_item");
  });

  it("splits are disjoint and stable", () => {
    const t = tasks[1]!;
    const ids = ["search", "validation", "test"].flatMap((s) => t.items(s as "search").map((i) => i.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(t.items("search")).toHaveLength(builtinSimProfile("mmlu").task.items.search);
    expect(t.items("test").length).toBeGreaterThan(t.items("search").length);
    const again = createSimTask(createSimWorld(builtinSimProfile("mmlu"), 0));
    expect(again.items("validation").slice(0, 20)).toEqual(t.items("validation").slice(0, 20));
    // Choice items carry their options; the gold letter is one of them.
    const item = t.items("test")[0]!;
    expect(item.choices).toHaveLength(4);
    expect(["A", "B", "C", "D"]).toContain(item.answer);
  });
});
