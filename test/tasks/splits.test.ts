import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { splitIds } from "../../src/tasks/splits.js";
import { createTask } from "../../src/tasks/task.js";
import { STYLE_TOKENS, estimateMessageTokens, measurePromptTokens, measureTaskTokens } from "../../src/tasks/tokens.js";
import type { TaskItem } from "../../src/tasks/types.js";

const ids = (n: number) => Array.from({ length: n }, (_, i) => `item-${i}`);

describe("splits", () => {
  it("partitions the ids, with the requested sizes", () => {
    const s = splitIds(ids(100), 7, { search: 0.2, validation: 0.3 });
    expect(s.search).toHaveLength(20);
    expect(s.validation).toHaveLength(30);
    expect(s.test).toHaveLength(50);
    expect(new Set([...s.search, ...s.validation, ...s.test]).size).toBe(100);
  });

  it("is a function of the seed and the ids only", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 3, max: 60 }), (seed, n) => {
        const a = splitIds(ids(n), seed);
        const b = splitIds([...ids(n)].reverse(), seed);
        expect(b).toEqual(a);
        const all = [...a.search, ...a.validation, ...a.test].sort();
        expect(all).toEqual([...ids(n)].sort());
        expect(a.search.length).toBeGreaterThan(0);
        expect(a.validation.length).toBeGreaterThan(0);
        expect(a.test.length).toBeGreaterThan(0);
      }),
      { numRuns: 50 },
    );
  });

  it("differs between seeds", () => {
    expect(splitIds(ids(200), 1).search).not.toEqual(splitIds(ids(200), 2).search);
  });

  it("rejects impossible fractions", () => {
    expect(() => splitIds(ids(10), 0, { search: 0.7, validation: 0.5 })).toThrow(UserError);
    expect(() => splitIds(ids(10), 0, { search: -0.1, validation: 0.5 })).toThrow(UserError);
  });

  it("gives a task's splits and records their ids", () => {
    const items: TaskItem[] = ids(50).map((id) => ({ id, question: `q ${id}`, answer: "1" }));
    const make = (seed: number) => createTask({ id: "t", style: "number", load: () => items }, { seed, splits: { search: 0.1 } });
    const t = make(5);
    expect(t.items("search")).toHaveLength(5);
    expect(t.items("validation")).toHaveLength(10);
    expect(t.splitIds()).toEqual(make(5).splitIds());
    expect(t.splitIds().test).toEqual(t.items("test").map((i) => i.id));
  });
});

describe("token constants", () => {
  it("has a default per style, the paper's where it has one", () => {
    expect(STYLE_TOKENS.math).toMatchObject({ promptTokens: 202, outputTokens: 275 });
    expect(STYLE_TOKENS.choice).toMatchObject({ promptTokens: 213, outputTokens: 215 });
    expect(STYLE_TOKENS.code).toMatchObject({ promptTokens: 180, outputTokens: 115 });
  });

  it("measures A from the rendered prompts", () => {
    const short: TaskItem = { id: "a", question: "1+1?", answer: "2" };
    const long: TaskItem = { id: "b", question: "x".repeat(4000), answer: "2" };
    const a = measurePromptTokens([short], "number");
    const b = measurePromptTokens([long], "number");
    expect(b - a).toBeCloseTo(1000 - 1, 0);
    expect(estimateMessageTokens([{ role: "user", content: "abcd" }])).toBe(5);
    const task = createTask({ id: "t", style: "number", load: () => [short, long] }, { splits: { search: 0.5, validation: 0 } });
    const tokens = measureTaskTokens(task);
    expect(tokens.source).toBe("measured");
    expect(tokens.outputTokens).toBe(STYLE_TOKENS.number.outputTokens);
    expect([Math.round(a), Math.round(b)]).toContain(tokens.promptTokens);
  });
});
