/**
 * Reasoning models against a real OpenAI-compatible server: `<think>` blocks and a
 * `reasoning_content` field are split off before extraction, grading and successor prompts, while
 * their tokens still count in the usage and the FLOPs; `max_completion_tokens` is sent when asked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callFlops } from "../../src/cost/flops.js";
import { runGraph } from "../../src/exec/run.js";
import { splitReasoning } from "../../src/models/reasoning.js";
import type { ModelSpec } from "../../src/models/spec.js";
import { startOpenAIServer, type RecordedRequest, type TestServer } from "../helpers/openai-server.js";
import { tempDir } from "../helpers/tmp.js";
import { FAN_IN, openaiModel, operands, serverContext, SINGLE, writeArithmeticTask } from "../exec/helpers.js";

describe("splitReasoning", () => {
  it("takes complete think blocks off any model's text, and leaves a mere mention alone", () => {
    expect(splitReasoning("<think>a\nb</think>\n\nThe answer is 4.")).toEqual({ answer: "The answer is 4.", reasoning: "a\nb", unfinished: false });
    expect(splitReasoning("  <think>x</think>y<think>z</think> w")).toEqual({ answer: "y w", reasoning: "x\n\nz", unfinished: false });
    expect(splitReasoning("Use the <think> tag for thoughts.").answer).toBe("Use the <think> tag for thoughts.");
    expect(splitReasoning("<think>cut off").answer).toBe("<think>cut off");
  });

  it("for a model declared as reasoning in tags: the template's own opening tag, and an unclosed block", () => {
    expect(splitReasoning("thinking\n</think>\n42", undefined, true)).toEqual({ answer: "42", reasoning: "thinking", unfinished: false });
    expect(splitReasoning("<think>never done", undefined, true)).toEqual({ answer: "", reasoning: "never done", unfinished: true });
    expect(splitReasoning("[[r]]x[[/r]]7", ["[[r]]", "[[/r]]"], true).answer).toBe("7");
  });
});

describe("a reasoning-style server", () => {
  const dir = tempDir();
  let server: TestServer;
  const task = writeArithmeticTask(dir, [
    [3, 4],
    [10, 25],
  ]).task;
  const SECRET = "SECRET-CHAIN";

  beforeAll(async () => {
    server = await startOpenAIServer({
      models: ["small", "big"],
      handler: (req) => {
        const ops = operands(req);
        const sum = ops ? ops[0] + ops[1] : 0;
        // The reasoning states a wrong boxed answer: read by the grader or a successor, it would mislead.
        if (req.body?.model === "small") return { kind: "answer", text: `<think>${SECRET} maybe \\boxed{999}? No, add again.</think>\nThe sum is ${sum}.` };
        return { kind: "answer", text: `All agree: \\boxed{${sum}}`, reasoning: `${SECRET} the fuser wonders about \\boxed{999}` };
      },
    });
  });
  afterAll(() => server.close());

  const models = (): ModelSpec[] => [
    { ...openaiModel("small", server.baseURL), reasoning: { tokenLimitParam: "max_tokens", format: "think-tags", tags: ["<think>", "</think>"] } },
    { ...openaiModel("big", server.baseURL), reasoning: { tokenLimitParam: "max_completion_tokens", format: "field", tags: ["<think>", "</think>"] } },
  ];

  it("the reasoning would change the grade if the grader saw it", async () => {
    const item = { id: "q0", question: "What is 3 + 4?", answer: "7" };
    // Reasoning from a `reasoning_content` field, were it joined to the text, would be graded.
    expect((await task.grade(item, "maybe \\boxed{999}\nThe sum is 7.")).correct).toBe(false);
    expect((await task.grade(item, "The sum is 7.")).correct).toBe(true);
  });

  it("never reaches a successor's prompt or the grader, and its tokens are counted", async () => {
    server.resetStats();
    const ctx = serverContext(task, server.baseURL, {}, {}, models());
    const item = { id: "q0", question: "What is 3 + 4?", answer: "7" };
    const t = await runGraph(FAN_IN, item, ctx);
    expect(t.errored).toBe(false);
    expect(t.correct).toBe(true);
    expect(t.answer).toBe("7");
    expect(t.output).not.toContain(SECRET);
    const fuserCalls = server.chatRequests().filter((r: RecordedRequest) => r.body?.model === "big");
    expect(fuserCalls).toHaveLength(1);
    const prompt = JSON.stringify(fuserCalls[0]!.body!.messages);
    expect(prompt).toContain("The sum is 7.");
    expect(prompt).not.toContain(SECRET);
    expect(prompt).not.toContain("think>");
    for (const n of t.nodes) {
      expect(n.text).not.toContain(SECRET);
      expect(n.reasoning).toContain(SECRET);
      // The server counts the reasoning's words among the completion tokens; the FLOPs follow them.
      expect(n.completionTokens).toBeGreaterThan(n.text.split(/\s+/).length);
      expect(n.flops).toBeCloseTo(callFlops({ params: n.model === "big" ? 3e9 : 1e9, layers: 16, hidden: 2048 }, n.promptTokens, n.completionTokens).total, -3);
    }
    // The token limit goes in the field each model asks for.
    expect(fuserCalls[0]!.body).toHaveProperty("max_completion_tokens", 1024);
    expect(fuserCalls[0]!.body).not.toHaveProperty("max_tokens");
    const small = server.chatRequests().filter((r) => r.body?.model === "small");
    for (const r of small) expect(r.body).toHaveProperty("max_tokens", 1024);
  });

  it("estimates the reasoning's tokens too when the server reports no usage", async () => {
    server.setHandler(() => ({ kind: "answer", text: "<think>" + "word ".repeat(100) + "</think>The sum is 7.", usage: false }));
    const ctx = serverContext(task, server.baseURL, {}, {}, models());
    const t = await runGraph(SINGLE, { id: "q0", question: "What is 3 + 4?", answer: "7" }, ctx);
    expect(t.correct).toBe(true);
    const n = t.nodes[0]!;
    expect(n.estimated).toBe(true);
    expect(n.completionTokens).toBeGreaterThanOrEqual(Math.ceil(("word ".repeat(100).trim() + "The sum is 7.").length / 4));
  });
});
