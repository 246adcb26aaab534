import { describe, expect, it } from "vitest";
import { arithItems, arithPrompt, createArithTask, drawQuestion, extractArith, arithHash, isHeldOut, ARITH_MAX_FUSE, ARITH_MAX_REFINE } from "../../src/tasks/arith.js";
import { resolveTask, resolveTaskTokens } from "../../src/resolve.js";
import { Rng } from "../../src/util/rng.js";
import type { PromptInput, Reference } from "../../src/tasks/types.js";

function ref(answer: string | null, i = 0): Reference {
  return { nodeId: `n${i}`, model: "m", role: "assistant", text: answer ?? "garbled", answer };
}

describe("arith task", () => {
  it("hashes questions with plain FNV-1a, as the training script does", () => {
    // Reference values of 32-bit FNV-1a.
    expect(arithHash("")).toBe(0x811c9dc5);
    expect(arithHash("a")).toBe(0xe40c292c);
    expect(arithHash("foobar")).toBe(0xbf9cf968);
  });

  it("draws only held-out questions, distinct, with correct answers", () => {
    const items = arithItems(500, 3);
    expect(new Set(items.map((i) => i.question)).size).toBe(500);
    for (const item of items) {
      expect(isHeldOut(item.question)).toBe(true);
      const m = /^(\d+)([+-])(\d+)$/.exec(item.question);
      expect(m, item.question).not.toBeNull();
      const [a, op, b] = [Number(m![1]), m![2], Number(m![3])];
      const want = op === "+" ? a + b : a - b;
      expect(item.answer).toBe(String(want));
      expect(want).toBeGreaterThanOrEqual(0);
    }
    const ops = new Set(items.map((i) => /[+-]/.exec(i.question)![0]));
    expect(ops).toEqual(new Set(["+", "-"]));
  });

  it("draws the training distribution: operands of one to three digits, both of the same length", () => {
    const rng = new Rng(1);
    const lengths = [0, 0, 0, 0];
    for (let i = 0; i < 2000; i++) {
      const { question } = drawQuestion(rng);
      const [a, b] = question.split(/[+-]/) as [string, string];
      if (question.includes("-")) expect(Number(a)).toBeGreaterThanOrEqual(Number(b));
      // A difference may swap operands but never changes their length.
      expect(a.length).toBe(b.length);
      lengths[a.length]!++;
    }
    expect(lengths[1]! / 2000).toBeCloseTo(0.2, 1);
    expect(lengths[2]! / 2000).toBeCloseTo(0.4, 1);
    expect(lengths[3]! / 2000).toBeCloseTo(0.4, 1);
  });

  it("has stable, disjoint, seeded splits", () => {
    const t1 = createArithTask({ seed: 5 });
    const t2 = createArithTask({ seed: 5 });
    const t3 = createArithTask({ seed: 6 });
    const ids = t1.splitIds();
    expect(ids).toEqual(t2.splitIds());
    expect(ids.search.length).toBe(200);
    expect(ids.validation.length).toBe(200);
    expect(ids.test.length).toBe(600);
    const all = [...ids.search, ...ids.validation, ...ids.test];
    expect(new Set(all).size).toBe(1000);
    const q = (t: typeof t1) => t.items("test").map((i) => i.question);
    expect(q(t1)).toEqual(q(t2));
    expect(q(t1)).not.toEqual(q(t3));
    const searchQ = new Set(t1.items("search").map((i) => i.question));
    expect(t1.items("test").some((i) => searchQ.has(i.question))).toBe(false);
  });

  it("renders the three role formats exactly", () => {
    const task = createArithTask();
    const item = { id: "x", question: "123+456", answer: "579" };
    const input = (role: PromptInput["role"], references: Reference[]): PromptInput => ({ role, isOutput: false, item, references });
    expect(task.render!(input("assistant", []))).toEqual([{ role: "user", content: "123+456=" }]);
    expect(task.render!(input("assistant", [ref("578"), ref("579", 1)]))).toEqual([{ role: "user", content: "123+456~578,579=" }]);
    expect(task.render!(input("fuser", [ref("578"), ref(null, 1), ref("580", 2)]))).toEqual([{ role: "user", content: "123+456#578,?,580=" }]);
    // The output flag does not change the format; a fuser with nothing to fuse answers alone.
    expect(task.render!({ ...input("fuser", []), isOutput: true })).toEqual([{ role: "user", content: "123+456=" }]);
  });

  it("shows at most as many references as training covered", () => {
    const many = Array.from({ length: 12 }, (_, i) => String(100 + i));
    expect(arithPrompt("1+1", "refine", many)).toBe(`1+1~${many.slice(0, ARITH_MAX_REFINE).join(",")}=`);
    expect(arithPrompt("1+1", "fuse", many)).toBe(`1+1#${many.slice(0, ARITH_MAX_FUSE).join(",")}=`);
  });

  it("extracts and grades numbers", () => {
    expect(extractArith("579")).toBe("579");
    expect(extractArith(" 0579\n")).toBe("579");
    expect(extractArith("0")).toBe("0");
    expect(extractArith("")).toBeNull();
    expect(extractArith("??")).toBeNull();
    const task = createArithTask();
    const item = { id: "x", question: "12+24", answer: "36" };
    expect(task.grade(item, "36")).toEqual({ correct: true, extracted: "36" });
    expect(task.grade(item, "63")).toEqual({ correct: false, extracted: "63" });
    expect(task.grade(item, "")).toEqual({ correct: false, extracted: null });
  });

  it("measures its token constants from the format", () => {
    const task = createArithTask();
    const items = [...task.items("search"), ...task.items("validation"), ...task.items("test")];
    const meanA = items.reduce((s, i) => s + i.question.length + 2, 0) / items.length;
    const meanB = items.reduce((s, i) => s + i.answer.length + 1, 0) / items.length;
    expect(task.tokens.promptTokens).toBeCloseTo(meanA, 2);
    expect(task.tokens.outputTokens).toBeCloseTo(meanB, 2);
    expect(task.tokens.promptTokens).toBeGreaterThan(4);
    expect(task.tokens.promptTokens).toBeLessThan(10);
  });

  it("is a built-in task of the resolver", () => {
    const task = resolveTask("arith", { seed: 2 });
    expect(task.id).toBe("arith");
    expect(task.style).toBe("number");
    expect(task.items("search")).toEqual(createArithTask({ seed: 2 }).items("search"));
    expect(resolveTaskTokens("arith")).toEqual(createArithTask().tokens);
  });
});
