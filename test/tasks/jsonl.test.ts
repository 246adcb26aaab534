import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileTask, readTaskFile } from "../../src/tasks/file.js";
import { inferStyle } from "../../src/tasks/jsonl.js";
import { userError } from "../helpers/errors.js";
import { tempDir, writeJsonl } from "../helpers/tmp.js";

const dir = tempDir("tts-graph-jsonl-");
let n = 0;
const file = (lines: string[]) => writeJsonl(join(dir, `task-${n++}.jsonl`), lines);

const good = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id, question: `q ${id}`, answer: "1", ...extra });

describe("JSONL task files: errors name the file and line", () => {
  it("reports a bad JSON line", () => {
    const path = file([good("a"), "{not json", good("c")]);
    const err = userError(() => readTaskFile(path));
    expect(err.format()).toContain(path);
    expect(err.message).toContain("line 2");
    expect(err.message).toContain("not valid JSON");
    expect(err.issues[0]!.path).toBe("line 2");
  });

  it("reports a line that is not an object", () => {
    const path = file([good("a"), "[1, 2]"]);
    const err = userError(() => readTaskFile(path));
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/line 2.*expected a JSON object, got an array/);
  });

  it("reports a missing field, naming it and the flag that maps it", () => {
    const path = file([good("a"), JSON.stringify({ id: "b", answer: "2" })]);
    const err = userError(() => readTaskFile(path));
    expect(err.message).toContain(path);
    expect(err.message).toContain("line 2");
    expect(err.message).toContain('missing field "question"');
    expect(err.message).toContain("--question-field");
  });

  it("reports a wrong type", () => {
    const path = file([good("a"), JSON.stringify({ id: "b", question: "q", answer: ["x"] })]);
    const err = userError(() => readTaskFile(path));
    expect(err.message).toContain(path);
    expect(err.message).toContain('line 2: field "answer"');
    expect(err.message).toContain("expected a string, number or boolean, got an array");
  });

  it("reports a duplicate id with the first line", () => {
    const path = file([good("a"), good("b"), good("a")]);
    const err = userError(() => readTaskFile(path));
    expect(err.message).toContain(path);
    expect(err.message).toContain('line 3: duplicate id "a" (first at line 1)');
  });

  it("lists every problem at once", () => {
    const path = file(["{", JSON.stringify({ id: 1, question: 2, answer: "x" }), good("c"), good("c")]);
    const err = userError(() => readTaskFile(path));
    expect(err.issues.map((i) => i.path)).toEqual(["line 1", 'line 2: field "question"', "line 4"]);
    expect(err.format()).toContain(path);
    expect(err.format()).toContain("line 4");
  });

  it("rejects an empty file and a missing file", () => {
    expect(userError(() => readTaskFile(file([""]))).message).toContain("no items");
    expect(userError(() => readTaskFile(join(dir, "absent.jsonl"))).message).toContain("does not exist");
  });
});

describe("JSONL task files: mapping and styles", () => {
  it("maps fields, keeps the rest as meta and converts values", () => {
    const path = file([
      JSON.stringify({ qid: 7, problem: "2+2?", target: 4, source: "x" }),
      JSON.stringify({ qid: "b", problem: "yes?", target: true }),
    ]);
    const { items, style } = readTaskFile(path, { fields: { id: "qid", question: "problem", answer: "target" } });
    expect(items[0]).toEqual({ id: "7", question: "2+2?", answer: "4", meta: { source: "x" } });
    expect(items[1]!.answer).toBe("yes");
    expect(style).toBe("short");
  });

  it("numbers items by line with #line", () => {
    const path = file([JSON.stringify({ question: "a", answer: "1" }), "", JSON.stringify({ question: "b", answer: "2" })]);
    const { items } = readTaskFile(path, { fields: { id: "#line" } });
    expect(items.map((i) => i.id)).toEqual(["1", "3"]);
  });

  it("infers the style from the items", () => {
    const item = (answer: string, extra: object = {}) => ({ id: answer, question: "q", answer, ...extra });
    expect(inferStyle([item("12"), item("-3.5")])).toBe("number");
    expect(inferStyle([item("\\frac{1}{2}"), item("3")])).toBe("math");
    expect(inferStyle([item("yes"), item("No")])).toBe("yesno");
    expect(inferStyle([item("A", { choices: ["x", "y"] })])).toBe("choice");
    expect(inferStyle([item("", { meta: { tests: ["assert True"] } })])).toBe("code");
    expect(inferStyle([item("Paris")])).toBe("short");
  });

  it("requires choices for a choice task, and not answers for a code task", () => {
    const path = file([good("a")]);
    expect(userError(() => readTaskFile(path, { style: "choice" })).message).toContain('missing field "choices"');
    const code = file([JSON.stringify({ id: "c", question: "write f", tests: ["assert f() == 1"] })]);
    expect(readTaskFile(code, { style: "code" }).items[0]!.answer).toBe("");
    expect(userError(() => readTaskFile(path, { style: "essay" as never })).message).toContain("unknown task style");
  });

  it("makes a task with seeded splits, extraction and grading", async () => {
    const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `q${i}`, question: `What is ${i} + 1?`, answer: String(i + 1) }));
    const path = file(lines);
    const task = fileTask(path, { seed: 3 });
    expect(task.id).toMatch(/^file:task-\d+\.jsonl$/);
    expect(task.style).toBe("number");
    const ids = task.splitIds();
    expect(ids.search.length + ids.validation.length + ids.test.length).toBe(30);
    expect(task.items("search").map((i) => i.id)).toEqual(ids.search);
    const item = task.item("q4")!;
    expect(await task.grade(item, "The answer is 5.")).toMatchObject({ correct: true, extracted: "5" });
    expect(await task.grade(item, "The answer is 6.")).toMatchObject({ correct: false, extracted: "6" });
    expect(task.extract("so \\boxed{5}")).toBe("5");
  });
});
