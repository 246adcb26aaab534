/**
 * A client's conversation around a node's prompt: the client's system prompt after the task's, the
 * earlier turns between the system message and the question, for the standard prompts and for a
 * task that renders its own (without a system message).
 */
import { describe, expect, it } from "vitest";
import { createArithTask } from "../../src/tasks/arith.js";
import { renderPrompt } from "../../src/tasks/prompts.js";
import { resolveTask } from "../../src/resolve.js";
import { conversationPrompt, inConversation } from "../../src/serve/conversation.js";

const history = [
  { role: "user" as const, content: "an earlier question" },
  { role: "assistant" as const, content: "an earlier answer" },
];

describe("a conversation in the task's format", () => {
  it("appends the client's system prompt to the task's and puts the history before the question", () => {
    const task = resolveTask("sim:math", { seed: 0 });
    const item = task.items("test")[0]!;
    const input = { role: "assistant" as const, isOutput: true, item, references: [] };
    const plain = renderPrompt(task, input);
    const wrapped = inConversation(task, { system: ["Be brief.", "Use French."], history });
    const m = renderPrompt(wrapped, input);
    expect(m).toEqual([{ role: "system", content: `${plain[0]!.content}\n\nBe brief.\n\nUse French.` }, ...history, plain[1]]);
    // The wrapped task is still the task: same id, items, extraction.
    expect(wrapped.id).toBe(task.id);
    expect(wrapped.items("test")[0]).toEqual(item);
    expect(wrapped.extract("\\boxed{7}")).toBe(task.extract("\\boxed{7}"));
  });

  it("adds a system message where the task's own prompt has none, and leaves a task alone without a conversation", () => {
    const rendered = [{ role: "user" as const, content: "347+289=" }];
    expect(conversationPrompt(rendered, { system: ["Be brief."], history })).toEqual([{ role: "system", content: "Be brief." }, ...history, rendered[0]]);
    const task = createArithTask({ seed: 0 });
    expect(inConversation(task, { system: [], history: [] })).toBe(task);
  });
});
