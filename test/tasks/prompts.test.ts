import { describe, expect, it } from "vitest";
import { extractAnswer } from "../../src/tasks/extract.js";
import { renderPrompt, standardPrompt } from "../../src/tasks/prompts.js";
import { TASK_STYLES, type PromptInput, type Reference, type TaskItem } from "../../src/tasks/types.js";

const item: TaskItem = { id: "q1", question: "Which colour is the sky?", answer: "B", choices: ["green", "blue"] };
const refs: Reference[] = [
  { nodeId: "a", model: "m1", role: "assistant", text: "I think green.\nAnswer: A", answer: "A" },
  { nodeId: "b", model: "m2", role: "assistant", text: "It is blue.\nAnswer: B", answer: "B" },
];
const input = (over: Partial<PromptInput>): PromptInput => ({ role: "assistant", isOutput: false, item, references: [], ...over });
const text = (messages: { content: string }[]) => messages.map((m) => m.content).join("\n");

describe("prompts", () => {
  it("asks a lone assistant the question, in the style's answer format", () => {
    const m = standardPrompt("choice", input({}));
    expect(m.map((x) => x.role)).toEqual(["system", "user"]);
    expect(m[1]!.content).toContain("Which colour is the sky?\n\nA. green\nB. blue");
    expect(m[0]!.content).toContain('"Answer: X"');
  });

  it("gives a refining assistant and a fuser the numbered references", () => {
    for (const role of ["assistant", "fuser"] as const) {
      const t = text(standardPrompt("choice", input({ role, references: refs })));
      expect(t).toContain("[Response 1]\nI think green.\nAnswer: A");
      expect(t).toContain("[Response 2]\nIt is blue.\nAnswer: B");
      expect(t).toContain("Which colour is the sky?");
    }
    expect(text(standardPrompt("choice", input({ role: "fuser", references: refs })))).toContain("fusion agent");
  });

  it("tells the output node its answer is the team's", () => {
    expect(text(standardPrompt("math", input({ isOutput: true })))).toContain("final answer of the whole team");
    expect(text(standardPrompt("math", input({})))).not.toContain("final answer of the whole team");
  });

  it("asks every style for an answer its extractor reads", () => {
    const compliant: Record<string, [string, string]> = {
      math: ["Work... so \\boxed{\\frac{1}{2}}", "\\frac{1}{2}"],
      number: ["Work... so \\boxed{42}", "42"],
      choice: ["Reasoning.\nAnswer: B", "B"],
      code: ["```python\ndef f():\n    return 1\n```", "def f():\n    return 1\n"],
      yesno: ["Reasoning.\nAnswer: yes", "yes"],
      short: ["Reasoning.\nAnswer: Paris", "Paris"],
    };
    for (const style of TASK_STYLES) {
      const system = standardPrompt(style, input({}))[0]!.content;
      expect(system.length, style).toBeGreaterThan(40);
      const [output, expected] = compliant[style]!;
      expect(extractAnswer(style, output, item), style).toBe(expected);
    }
  });

  it("uses a task's own renderer when it has one", () => {
    const custom = { style: "short" as const, render: (i: PromptInput) => [{ role: "user" as const, content: `Q: ${i.item.question}` }] };
    expect(renderPrompt(custom, input({}))).toEqual([{ role: "user", content: "Q: Which colour is the sky?" }]);
    expect(renderPrompt({ style: "short" }, input({}))[0]!.role).toBe("system");
  });
});
