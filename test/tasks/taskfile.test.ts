/** Task files and standard setups: prompts per role, few-shot examples, graders by name, checked input. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinTask } from "../../src/tasks/builtin.js";
import { extractAnswer } from "../../src/tasks/extract.js";
import { renderPrompt } from "../../src/tasks/prompts.js";
import { GSM8K_COT_EXAMPLES, MINERVA_MATH_EXAMPLES } from "../../src/tasks/setups.js";
import { namedTask, taskFileTask } from "../../src/tasks/taskfile.js";
import type { PromptInput, Reference, TaskItem } from "../../src/tasks/types.js";
import { resolveTask } from "../../src/resolve.js";
import { ROOT, runCli } from "../helpers/cli.js";
import { userError } from "../helpers/errors.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";
import { tempDir, writeJsonl } from "../helpers/tmp.js";
import { SINGLE } from "../exec/helpers.js";

const dir = tempDir();
const item: TaskItem = { id: "q1", question: "Tom has 3 apples and buys 4 more. How many apples does he have?", answer: "7" };
const refs: Reference[] = [{ nodeId: "a", model: "m", role: "assistant", text: "3 + 4 = 7. The answer is 7.", answer: "7" }];
const input = (over: Partial<PromptInput> = {}): PromptInput => ({ role: "assistant", isOutput: false, item, references: [], ...over });
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const data = writeJsonl(join(dir, "apples.jsonl"), [
  { id: "a1", question: item.question, answer: "7" },
  { id: "a2", question: "Ann has 10 pears and eats 2. How many are left?", answer: "8" },
  { id: "a3", question: "A box holds 6 eggs. How many eggs are in 3 boxes?", answer: "18" },
]);

describe("zero-shot prompts stay as they were", () => {
  it("renders a built-in task's lone assistant prompt byte for byte", () => {
    const gsm8k = builtinTask("gsm8k");
    expect(gsm8k.render).toBeUndefined();
    expect(renderPrompt(gsm8k, input({ isOutput: true }))).toEqual([
      {
        role: "system",
        content:
          "You are careful at solving word problems with arithmetic. Reason step by step, then give the final numeric answer in \\boxed{} at the very end (digits only, no units). Your answer is the final answer of the whole team and will be graded.",
      },
      { role: "user", content: item.question },
    ]);
  });

  it("renders a task file that sets no prompts exactly like its base", () => {
    const file = write("plain.yaml", "base: gsm8k\n");
    const task = taskFileTask(file);
    for (const over of [{}, { references: refs }, { role: "fuser" as const, references: refs, isOutput: true }]) {
      expect(renderPrompt(task, input(over))).toEqual(renderPrompt(builtinTask("gsm8k"), input(over)));
    }
  });
});

describe("standard setups", () => {
  it("gsm8k:8shot-cot asks a lone assistant after the 8 chain-of-thought exemplars, as chat turns", () => {
    const task = namedTask("gsm8k:8shot-cot")!;
    expect(task.id).toBe("gsm8k:8shot-cot");
    const m = renderPrompt(task, input());
    expect(m).toHaveLength(17);
    expect(m[0]).toEqual({ role: "user", content: `Q: ${GSM8K_COT_EXAMPLES[0]!.question}\nA:` });
    expect(m[1]).toEqual({ role: "assistant", content: GSM8K_COT_EXAMPLES[0]!.answer });
    expect(m[15]!.content).toMatch(/The answer is 8\.$/);
    expect(m[16]).toEqual({ role: "user", content: `Q: ${item.question}\nA:` });
    // Roles with references keep the standard prompts.
    expect(renderPrompt(task, input({ references: refs }))).toEqual(renderPrompt(builtinTask("gsm8k"), input({ references: refs })));
    expect(task.tokens.promptTokens).toBeGreaterThan(builtinTask("gsm8k").tokens.promptTokens + 500);
    expect(extractAnswer("number", "3 + 4 = 7. The answer is 7.")).toBe("7");
  });

  it("math500:minerva-4shot shows the Minerva exemplars, whose answer form the extractor reads", () => {
    const task = resolveTask("math500:minerva-4shot");
    const m = renderPrompt(task, input({ item: { id: "m", question: "What is $1+1$?", answer: "2" } }));
    expect(m).toHaveLength(9);
    expect(m[0]!.content).toBe(`Problem:\n${MINERVA_MATH_EXAMPLES[0]!.question}\n\nSolution:`);
    expect(m[8]!.content).toBe("Problem:\nWhat is $1+1$?\n\nSolution:");
    for (const [k, gold] of ["[2,5)", "24", "16", "-\\frac{2}{3}"].entries()) {
      expect(task.grade({ id: "x", question: "", answer: gold }, MINERVA_MATH_EXAMPLES[k]!.answer)).toMatchObject({ correct: true });
    }
  });
});

describe("task files", () => {
  it("set the system prompt, templates per role and inline few-shot examples", () => {
    const file = write(
      "apples.yaml",
      [
        "id: apples",
        "data: apples.jsonl",
        "style: number",
        "system: You are a grocer. {{format}}",
        "templates:",
        "  refine:",
        '    user: "{{question}}\\n\\nOthers said:\\n{{references}}\\n\\nYour answer?"',
        "  fuser:",
        '    system: "Merge the answers. {{final}}"',
        "fewshot:",
        "  examples:",
        "    - question: What is 1 + 1?",
        "      answer: 1 + 1 = 2. The answer is 2.",
      ].join("\n"),
    );
    const task = taskFileTask(file);
    expect(task.id).toBe("apples");
    expect(task.allItems()).toHaveLength(3);
    const alone = renderPrompt(task, input());
    expect(alone.map((x) => x.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(alone[0]!.content).toMatch(/^You are a grocer\. Reason step by step, then give the final numeric answer in \\boxed\{\}/);
    expect(alone[1]!.content).toBe("What is 1 + 1?");
    expect(alone[3]!.content).toBe(item.question);
    const refine = renderPrompt(task, input({ references: refs }));
    expect(refine.map((x) => x.role)).toEqual(["system", "user"]);
    expect(refine[1]!.content).toBe(`${item.question}\n\nOthers said:\n[Response 1]\n3 + 4 = 7. The answer is 7.\n\nYour answer?`);
    const fuser = renderPrompt(task, input({ role: "fuser", references: refs, isOutput: true }));
    expect(fuser[0]!.content).toBe("Merge the answers. Your answer is the final answer of the whole team and will be graded.");
    expect(fuser[1]!.content).toContain("Answers from other agents:");
  });

  it("draw few-shot examples from a train file with a seed, or write them into a template", () => {
    const train = writeJsonl(
      join(dir, "train.jsonl"),
      Array.from({ length: 30 }, (_, i) => ({ problem: `What is ${i} + 1?`, solution: `${i} + 1 = ${i + 1}. #### ${i + 1}` })),
    );
    const yaml = (seed: number) =>
      [`data: ${data}`, "templates:", "  assistant:", '    user: "{{fewshot}}\\n\\nQ: {{question}}\\nA:"', "fewshot:", `  file: train.jsonl`, "  fields: {question: problem, answer: solution}", "  draw: 3", `  seed: ${seed}`, "  roles: [refine]", '  question: "Q: {{question}}"', '  text: "{{question}}\\nA: {{answer}}"'].join("\n");
    const first = renderPrompt(taskFileTask(write("draw1.yaml", yaml(1))), input());
    const again = renderPrompt(taskFileTask(write("draw1b.yaml", yaml(1))), input());
    const other = renderPrompt(taskFileTask(write("draw2.yaml", yaml(2))), input());
    expect(first).toEqual(again);
    expect(first).not.toEqual(other);
    expect(first).toHaveLength(2);
    const blocks = first[1]!.content.split("\n\n");
    expect(blocks).toHaveLength(4);
    expect(blocks[0]).toMatch(/^Q: What is (\d+) \+ 1\?\nA: \1 \+ 1 = \d+\. #### \d+$/);
    expect(blocks[3]).toBe(`Q: ${item.question}\nA:`);
    expect(train).toContain("train.jsonl");
  });

  it("pick the extractor and grader by name", () => {
    const file = write("graded.yaml", `data: ${data}\nstyle: short\ngrader: number\n`);
    const task = taskFileTask(file);
    expect(task.style).toBe("short");
    expect(task.grade(task.item("a1")!, "so it is 7 apples")).toMatchObject({ correct: true, extracted: "7" });
  });

  it("are refused with the file and field named", () => {
    const bad = (name: string, text: string) => userError(() => taskFileTask(write(name, text)));
    expect(bad("p.yaml", "base: gsm8k\ntemplates:\n  assistant:\n    user: '{{questoin}}'\n").message).toBe(
      `${join(dir, "p.yaml")}: templates.assistant.user: unknown placeholder {{questoin}}: expected one of {{question}}, {{references}}, {{format}}, {{expert}}, {{final}}, {{fewshot}}`,
    );
    expect(bad("n.yaml", "system: hi\n").message).toContain("give either base (a built-in task or standard setup) or data (a JSONL file)");
    expect(bad("u.yaml", "base: gsm9k\n").message).toContain(`${join(dir, "u.yaml")}: base: unknown task "gsm9k"`);
    expect(bad("r.yaml", "base: gsm8k\nfewshot:\n  examples: []\n").message).toContain("fewshot.examples");
    expect(bad("x.yaml", "base: gsm8k\ntemplate: {}\n").message).toMatch(/x\.yaml.*template/);
    expect(bad("f.yaml", `base: gsm8k\nfewshot:\n  file: nowhere.jsonl\n`).message).toContain("nowhere.jsonl");
  });
});

describe("the example task file", () => {
  it("loads, with its system prompt, worked examples and fuser", () => {
    const task = taskFileTask(join(ROOT, "examples", "tasks", "word-problems.yaml"));
    expect(task.id).toBe("word-problems");
    expect(task.allItems()).toHaveLength(8);
    const m = renderPrompt(task, input());
    expect(m.map((x) => x.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user"]);
    expect(m[0]!.content).toMatch(/^You are a patient maths teacher\. Reason step by step/);
    for (const shot of [m[2]!, m[4]!]) expect(extractAnswer("number", shot.content)).toMatch(/^(12|6)$/);
    expect(task.grade(task.item("wp-5")!, "3 - 11 = −8. The answer is \\boxed{−8}.")).toMatchObject({ correct: true });
    expect(renderPrompt(task, input({ role: "fuser", references: refs }))[0]!.content).toBe("You merge your colleagues' answers into one.");
  });
});

describe("a task file in eval, against a real OpenAI-compatible server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startOpenAIServer({ models: ["small"] });
  });
  afterAll(() => server.close());

  it("sends the task file's prompts and grades with its grader", async () => {
    server.setHandler((req) => {
      const q = req.body?.messages?.at(-1)?.content ?? "";
      const sum = q.includes("3 apples") ? 7 : q.includes("10 pears") ? 8 : 18;
      return { kind: "answer", text: `Working it out. The answer is ${sum}.` };
    });
    const sub = join(dir, "cli");
    mkdirSync(sub, { recursive: true });
    const task = join(sub, "task.yaml");
    writeFileSync(task, `data: ${data}\nstyle: number\nsystem: Be brief.\nfewshot:\n  examples:\n    - {question: What is 2 + 2?, answer: The answer is 4.}\n`);
    const pool = join(sub, "pool.yaml");
    writeFileSync(pool, `models:\n  - id: small\n    family: test\n    params: 1e9\n    layers: 16\n    hidden: 2048\n    endpoint: {kind: openai, baseURL: "${server.baseURL}", model: small}\n`);
    const graph = join(sub, "graph.json");
    writeFileSync(graph, JSON.stringify(SINGLE));
    const r = await runCli(["eval", graph, "--task", task, "--pool", pool, "--split", "all", "--no-cache", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ task: "file:task.yaml", items: 3, correct: 3 });
    const sent = server.chatRequests().map((q) => q.body!.messages!);
    // The endpoint check found the model in the listing: it sent no chat of its own.
    expect(server.requests.filter((q) => q.method === "GET" && q.path.endsWith("/models")).length).toBeGreaterThan(0);
    expect(sent).toHaveLength(3);
    for (const m of sent) {
      expect(m.slice(0, 3)).toEqual([
        { role: "system", content: "Be brief." },
        { role: "user", content: "What is 2 + 2?" },
        { role: "assistant", content: "The answer is 4." },
      ]);
    }
    const bad = join(sub, "bad.yaml");
    writeFileSync(bad, "data: apples.jsonl\nstyle: numbr\n");
    const refused = await runCli(["eval", graph, "--task", bad, "--pool", pool, "--no-cache"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${bad}: style:`);
  });
});
