import { describe, expect, it } from "vitest";
import { resolveTask, resolveTaskTokens } from "../../src/resolve.js";
import { isHeldOut } from "../../src/tasks/arith.js";
import { arithPrompt } from "../../src/tasks/arith.js";
import { CHAIN_MAX_FUSE, CHAIN_MAX_REFINE, chainItems, createChainTask, drawChain, extractChain } from "../../src/tasks/chain.js";
import type { PromptInput, Reference } from "../../src/tasks/types.js";
import { Rng } from "../../src/util/rng.js";

function ref(answer: string | null, i = 0): Reference {
  return { nodeId: `n${i}`, model: "m", role: "assistant", text: answer ?? "garbled", answer };
}

/** The running totals of a chain, computed from its text. */
function totalsOf(question: string): number[] {
  const parts = question.match(/[+-]?\d+/g)!.map(Number);
  const totals: number[] = [];
  let t = parts[0]!;
  for (const p of parts.slice(1)) totals.push((t += p));
  return totals;
}

describe("chain task", () => {
  it("draws only held-out chains, distinct, whose totals never go below zero", () => {
    const items = chainItems(500, 3);
    expect(new Set(items.map((i) => i.question)).size).toBe(500);
    for (const item of items) {
      expect(isHeldOut(item.question)).toBe(true);
      expect(item.question).toMatch(/^\d{2}([+-]\d{1,2}){2,4}$/);
      const totals = totalsOf(item.question);
      expect(totals.every((t) => t >= 0)).toBe(true);
      expect(item.meta?.["steps"]).toBe(totals.join(","));
      expect(item.answer).toBe(String(totals.at(-1)));
    }
  });

  it("draws the training distribution: three to five numbers, those after the first of one digit 30% of the time", () => {
    const rng = new Rng(1);
    const counts = [0, 0, 0, 0, 0, 0];
    let oneDigit = 0;
    let later = 0;
    for (let i = 0; i < 4000; i++) {
      const { question, totals } = drawChain(rng);
      const nums = question.split(/[+-]/);
      counts[nums.length]!++;
      expect(totals).toHaveLength(nums.length - 1);
      for (const n of nums.slice(1)) {
        later++;
        if (n.length === 1) oneDigit++;
      }
    }
    expect(counts[3]! / 4000).toBeCloseTo(0.25, 1);
    expect(counts[4]! / 4000).toBeCloseTo(0.5, 1);
    expect(counts[5]! / 4000).toBeCloseTo(0.25, 1);
    expect(oneDigit / later).toBeCloseTo(0.3, 1);
  });

  it("has stable, disjoint, seeded splits", () => {
    const t1 = createChainTask({ seed: 5 });
    const ids = t1.splitIds();
    expect(ids).toEqual(createChainTask({ seed: 5 }).splitIds());
    expect([ids.search.length, ids.validation.length, ids.test.length]).toEqual([200, 200, 600]);
    const q = (t: typeof t1) => t.items("test").map((i) => i.question);
    expect(q(t1)).not.toEqual(q(createChainTask({ seed: 6 })));
  });

  it("renders the three role formats exactly, with at most as many references as training covered", () => {
    const task = createChainTask();
    const item = { id: "x", question: "57+8-23+41", answer: "83" };
    const input = (role: PromptInput["role"], references: Reference[]): PromptInput => ({ role, isOutput: false, item, references });
    expect(task.render!(input("assistant", []))).toEqual([{ role: "user", content: "57+8-23+41=" }]);
    expect(task.render!(input("assistant", [ref("83"), ref("93", 1)]))).toEqual([{ role: "user", content: "57+8-23+41~83,93=" }]);
    expect(task.render!(input("fuser", [ref("83"), ref(null, 1), ref("93", 2)]))).toEqual([{ role: "user", content: "57+8-23+41#83,?,93=" }]);
    const many = Array.from({ length: 12 }, (_, i) => String(100 + i));
    expect(arithPrompt("1+1", "refine", many)).toBe(`1+1~${many.slice(0, CHAIN_MAX_REFINE).join(",")}=`);
    expect(arithPrompt("1+1", "fuse", many)).toBe(`1+1#${many.slice(0, CHAIN_MAX_FUSE).join(",")}=`);
  });

  it("reads the last running total as the answer", () => {
    expect(extractChain("65,42,83")).toBe("83");
    expect(extractChain("83")).toBe("83");
    expect(extractChain("65,42,083")).toBe("83");
    expect(extractChain("65,42,")).toBe("42");
    expect(extractChain("")).toBeNull();
    const task = createChainTask();
    const item = { id: "x", question: "57+8-23+41", answer: "83" };
    expect(task.grade(item, "65,42,83")).toEqual({ correct: true, extracted: "83" });
    expect(task.grade(item, "65,43,84")).toEqual({ correct: false, extracted: "84" });
    expect(task.grade(item, "??")).toEqual({ correct: false, extracted: null });
  });

  it("measures its token constants from the format and is a built-in task of the resolver", () => {
    const task = createChainTask();
    const items = task.allItems();
    const meanB = items.reduce((s, i) => s + totalsOf(i.question).join(",").length + 1, 0) / items.length;
    expect(task.tokens.outputTokens).toBeCloseTo(meanB, 2);
    expect(task.tokens.promptTokens).toBeCloseTo(items.reduce((s, i) => s + i.question.length + 2, 0) / items.length, 2);
    const r = resolveTask("chain", { seed: 2 });
    expect(r.id).toBe("chain");
    expect(r.items("search")).toEqual(createChainTask({ seed: 2 }).items("search"));
    expect(resolveTaskTokens("chain")).toEqual(createChainTask().tokens);
  });
});
