/**
 * The graders against the real benchmark data, when the data folder sits beside the repository:
 * every gold answer and reference solution grades correct, and a perturbed one grades wrong.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { builtinTask } from "../../src/tasks/builtin.js";
import { mathEquivalent } from "../../src/tasks/math/equiv.js";
import { Sandbox } from "../../src/tasks/sandbox.js";
import type { DatasetTask } from "../../src/tasks/task.js";
import type { Grade, TaskItem } from "../../src/tasks/types.js";

const DATA = fileURLToPath(new URL("../../../shared/datasets/", import.meta.url));
const FOLDERS: Record<string, string> = { arc: "arc_challenge" };

function available(name: string): boolean {
  const file = join(DATA, FOLDERS[name] ?? name, "test.jsonl");
  const ok = existsSync(file);
  if (!ok) console.log(`skipping ${name} grader tests: ${file} not found (benchmark data lives in ../shared/datasets beside the repository)`);
  return ok;
}

// Generous limits: reference solutions must not fail for want of time on a busy machine.
const sandbox = new Sandbox({ concurrency: 2, timeoutMs: 60_000, memoryMb: 1024 });
const load = (name: string): DatasetTask => builtinTask(name, { dataDir: DATA, sandbox });

/** Grade every item; returns the ids whose outcome differs from `expected`. */
async function mismatches(task: DatasetTask, items: TaskItem[], output: (item: TaskItem) => string, expected: boolean): Promise<{ id: string; grade: Grade }[]> {
  const grades = await Promise.all(items.map((item) => task.grade(item, output(item))));
  return grades.map((grade, i) => ({ id: items[i]!.id, grade })).filter((r) => r.grade.correct !== expected);
}

/** A different answer: the first digit changed, or something appended when there is no digit. */
function perturbMath(answer: string): string {
  const m = /\d/.exec(answer);
  if (!m) return `${answer}+1`;
  return answer.slice(0, m.index) + String((Number(m[0]) + 1) % 10) + answer.slice(m.index + 1);
}

describe.each(["gsm8k", "svamp"])("%s: numeric answers", (name) => {
  it.skipIf(!available(name))("grades gold answers correct and perturbed ones wrong", async () => {
    const task = load(name);
    const items = task.allItems();
    expect(items.length).toBeGreaterThan(500);
    expect(await mismatches(task, items, (i) => `Working it out... The answer is ${i.answer}.`, true)).toEqual([]);
    expect(await mismatches(task, items, (i) => `\\boxed{${Number(i.answer).toLocaleString("en-US")}}`, true)).toEqual([]);
    expect(await mismatches(task, items, (i) => `The answer is ${Number(i.answer) + 1}.`, false)).toEqual([]);
    if (name === "gsm8k") {
      // The reference solutions end with "#### <answer>", after <<calc>> annotations.
      expect(await mismatches(task, items, (i) => String(i.meta?.solution), true)).toEqual([]);
    }
  });
});

describe.each(["math500", "math", "aime2024", "aime2025", "amc23"])("%s: math answers", (name) => {
  it.skipIf(!available(name))("grades gold answers and reference solutions correct, perturbed answers wrong", async () => {
    const task = load(name);
    const items = task.allItems();
    expect(items.length).toBeGreaterThanOrEqual(30);
    expect(await mismatches(task, items, (i) => `So the final answer is $\\boxed{${i.answer}}$.`, true)).toEqual([]);
    const withSolutions = items.filter((i) => typeof i.meta?.solution === "string");
    expect(await mismatches(task, withSolutions, (i) => String(i.meta!.solution), true)).toEqual([]);
    expect(await mismatches(task, items, (i) => `\\boxed{${perturbMath(i.answer)}}`, false)).toEqual([]);
    // Read as a careful grader reads: a stated answer counts without a box, a wrong one does not.
    expect(await mismatches(task, items, (i) => `The answer is ${i.answer}.`, true)).toEqual([]);
    expect(await mismatches(task, items, (i) => `Final Answer: The final answer is $${perturbMath(i.answer)}$. I hope it is correct.`, false)).toEqual([]);
  });
});

describe("math500 within math", () => {
  it.skipIf(!available("math500") || !available("math"))("has equivalent answers on the 500 shared problems", () => {
    const byId = new Map(load("math500").allItems().map((i) => [i.id, i]));
    const shared = load("math")
      .allItems()
      .filter((i) => typeof i.meta?.math500_id === "string");
    expect(shared).toHaveLength(500);
    const differing = shared.filter((i) => !mathEquivalent(byId.get(i.meta!.math500_id as string)!.answer, i.answer)).map((i) => i.id);
    expect(differing).toEqual([]);
  });
});

describe.each(["mmlu", "arc"])("%s: multiple choice", (name) => {
  it.skipIf(!available(name))("grades the gold letter correct and another letter wrong", async () => {
    const task = load(name);
    const items = task.allItems();
    expect(items.length).toBeGreaterThan(1000);
    expect(items.every((i) => /^[A-E]$/.test(i.answer) && i.choices!.length >= 3)).toBe(true);
    expect(await mismatches(task, items, (i) => `Let me think.\nAnswer: ${i.answer}`, true)).toEqual([]);
    expect(await mismatches(task, items, (i) => `The answer is (${i.answer}).`, true)).toEqual([]);
    const other = (i: TaskItem) => String.fromCharCode(65 + ((i.answer.charCodeAt(0) - 65 + 1) % i.choices!.length));
    expect(await mismatches(task, items, (i) => `Answer: ${other(i)}`, false)).toEqual([]);
  });
});

describe("strategyqa: yes/no", () => {
  it.skipIf(!available("strategyqa"))("grades the gold answer correct and the opposite wrong", async () => {
    const task = load("strategyqa");
    const items = task.allItems();
    expect(items.length).toBeGreaterThan(2000);
    expect(await mismatches(task, items, (i) => `Thinking it through.\nAnswer: ${i.answer}`, true)).toEqual([]);
    expect(await mismatches(task, items, (i) => `Answer: ${i.answer === "yes" ? "no" : "yes"}`, false)).toEqual([]);
  });
});

const fence = (code: string) => `Here is the solution.\n\`\`\`python\n${code}\n\`\`\`\n`;

describe("humaneval: unit tests in the sandbox", () => {
  it.skipIf(!available("humaneval"))(
    "passes every canonical solution and fails broken ones",
    { timeout: 300_000 },
    async () => {
      const task = load("humaneval");
      const items = task.allItems();
      expect(items).toHaveLength(164);
      // The canonical solution is a function body, completing the prompt.
      expect(await mismatches(task, items, (i) => fence(i.answer), true)).toEqual([]);
      // A full function (signature included) works as well.
      const some = items.slice(0, 24);
      expect(await mismatches(task, some, (i) => fence(`${i.question}${i.answer}`), true)).toEqual([]);
      // Broken: wrong result, syntax error, a crash.
      const broken = await Promise.all([
        task.grade(items[0]!, fence("    return not has_close_elements\n")),
        task.grade(items[1]!, fence("    return [\n")),
        task.grade(items[2]!, fence("    return 1 / 0\n")),
        task.grade(items[3]!, fence(items[3]!.answer.replace("return", "return 1 + "))),
      ]);
      for (const g of broken) expect(g.correct, g.reason).toBe(false);
      expect(broken[1]!.reason).toMatch(/^syntax/);
      expect(broken[2]!.reason).toMatch(/ZeroDivisionError/);
    },
  );
});

describe("mbpp: assert tests in the sandbox", () => {
  it.skipIf(!available("mbpp"))(
    "passes every reference solution and fails broken ones",
    { timeout: 300_000 },
    async () => {
      const task = load("mbpp");
      const items = task.allItems();
      expect(items).toHaveLength(500);
      expect(await mismatches(task, items, (i) => fence(i.answer), true)).toEqual([]);
      const broken = await Promise.all(
        items.slice(0, 8).map((i) => {
          const name = /def\s+(\w+)\s*\(/.exec(i.answer)![1]!;
          return task.grade(i, fence(`def ${name}(*args, **kwargs):\n    return None\n`));
        }),
      );
      for (const g of broken) expect(g.correct, g.reason).toBe(false);
      const loop = await new Sandbox({ timeoutMs: 1000 }).run("while True:\n    pass\n");
      expect(loop.status).toBe("timeout");
    },
  );
});
