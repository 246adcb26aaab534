import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PAPER_TASKS } from "../../src/cost/paper.js";
import { resolveTask, resolveTaskTokens } from "../../src/resolve.js";
import { BUILTIN_TASK_NAMES, DATA_ENV, builtinTask } from "../../src/tasks/builtin.js";
import { renderPrompt } from "../../src/tasks/prompts.js";
import { STYLE_TOKENS } from "../../src/tasks/tokens.js";
import { userError } from "../helpers/errors.js";
import { tempDir, writeJsonl } from "../helpers/tmp.js";

const root = tempDir("tts-graph-data-");

function dataset(folder: string, records: object[]): void {
  writeJsonl(join(root, folder, "test.jsonl"), records);
}

dataset(
  "gsm8k",
  Array.from({ length: 10 }, (_, i) => ({ id: `g${i}`, question: `What is ${i} + ${i}?`, answer: String(2 * i), solution: `${i} + ${i} = ${2 * i}\n#### ${2 * i}` })),
);
dataset("arc_challenge", [
  { id: "arc1", question: "Which is a gas?", choices: ["iron", "oxygen", "salt"], choice_labels: ["1", "2", "3"], answer: "2", answer_index: 1 },
  { id: "arc2", question: "Which is wet?", choices: ["water", "sand"], choice_labels: ["A", "B"], answer: "A", answer_index: 0 },
]);
dataset("mbpp", [{ id: "mbpp-1", task_id: 1, question: "Write a function to add one.", answer: "def add_one(x):\n    return x + 1", tests: ["assert add_one(1) == 2"], test_setup_code: "" }]);

let saved: string | undefined;
beforeEach(() => {
  saved = process.env[DATA_ENV];
  delete process.env[DATA_ENV];
});
afterEach(() => {
  if (saved === undefined) delete process.env[DATA_ENV];
  else process.env[DATA_ENV] = saved;
});

describe("built-in tasks: where the data comes from", () => {
  it("says how to set the data folder when none is given", () => {
    const task = builtinTask("gsm8k");
    const err = userError(() => task.items("test"));
    expect(err.code).toBe("no_data_dir");
    expect(err.message).toContain("--data DIR");
    expect(err.message).toContain("TTS_GRAPH_DATA");
    expect(err.message).toContain("gsm8k/test.jsonl");
  });

  it("names a missing folder or file", () => {
    expect(userError(() => builtinTask("gsm8k", { dataDir: join(root, "nowhere") }).items("test")).message).toContain("does not exist");
    const err = userError(() => builtinTask("svamp", { dataDir: root }).items("test"));
    expect(err.message).toContain(join(root, "svamp", "test.jsonl"));
  });

  it("reads the folder from --data or TTS_GRAPH_DATA", () => {
    expect(builtinTask("gsm8k", { dataDir: root }).allItems()).toHaveLength(10);
    process.env[DATA_ENV] = root;
    const task = builtinTask("gsm8k", { seed: 1 });
    expect(task.allItems()).toHaveLength(10);
    expect(task.splitIds()).toEqual(builtinTask("gsm8k", { dataDir: root, seed: 1 }).splitIds());
  });

  it("rejects unknown names", () => {
    expect(userError(() => builtinTask("gsm9k")).message).toContain("unknown built-in task");
  });
});

describe("built-in tasks: shaping", () => {
  it("letters ARC options in order and maps the gold label to its letter", async () => {
    const task = builtinTask("arc", { dataDir: root });
    const item = task.item("arc1")!;
    expect(item.answer).toBe("B");
    expect(item.choices).toEqual(["iron", "oxygen", "salt"]);
    const prompt = renderPrompt(task, { role: "assistant", isOutput: false, item, references: [] });
    expect(prompt[1]!.content).toContain("B. oxygen");
    expect(await task.grade(item, "Answer: B")).toMatchObject({ correct: true });
    expect(await task.grade(item, "Answer: C")).toMatchObject({ correct: false });
  });

  it("shows MBPP's tests in the question", () => {
    const item = builtinTask("mbpp", { dataDir: root }).item("mbpp-1")!;
    expect(item.question).toContain("Write a function to add one.");
    expect(item.question).toContain("assert add_one(1) == 2");
    expect(item.meta?.text).toBe("Write a function to add one.");
  });

  it("grades without reading data", async () => {
    const task = builtinTask("gsm8k");
    expect(await task.grade({ id: "x", question: "", answer: "18" }, "The answer is 18.")).toMatchObject({ correct: true });
  });
});

describe("resolve", () => {
  it("resolves built-in names and files to tasks", () => {
    expect(resolveTask("gsm8k", { dataDir: root }).style).toBe("number");
    expect(resolveTask("humaneval").style).toBe("code");
    const file = join(root, "mine.jsonl");
    writeFileSync(file, JSON.stringify({ id: "1", question: "Capital of France?", answer: "Paris" }) + "\n");
    const t = resolveTask(file);
    expect(t.id).toBe("file:mine.jsonl");
    expect(t.style).toBe("short");
    expect(resolveTask(`file:${file}`, { style: "short" }).id).toBe("file:mine.jsonl");
    expect(userError(() => resolveTask("no-such-task")).message).toContain("gsm8k");
  });

  it("gives token constants for every built-in without data, and measures files", () => {
    for (const name of BUILTIN_TASK_NAMES) {
      const t = resolveTaskTokens(name);
      expect(t.promptTokens, name).toBeGreaterThan(0);
      expect(t.outputTokens, name).toBeGreaterThan(0);
    }
    expect(resolveTaskTokens("math")).toMatchObject({ promptTokens: PAPER_TASKS.math!.promptTokens, unitFlops: PAPER_TASKS.math!.unitFlops });
    expect(resolveTaskTokens("humaneval")).toMatchObject({ outputTokens: PAPER_TASKS.humaneval!.outputTokens });
    expect(resolveTaskTokens("gsm8k")).toMatchObject({ promptTokens: STYLE_TOKENS.number.promptTokens });
    const file = join(root, "long.jsonl");
    writeFileSync(file, JSON.stringify({ id: "1", question: "y".repeat(8000), answer: "3" }) + "\n");
    const measured = resolveTaskTokens(file);
    expect(measured.source).toBe("measured");
    expect(measured.promptTokens).toBeGreaterThan(2000);
  });
});
