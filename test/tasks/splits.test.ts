import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { parseSearchConfig } from "../../src/search/config.js";
import { assignSplits, splitIds } from "../../src/tasks/splits.js";
import { createTask } from "../../src/tasks/task.js";
import { STYLE_TOKENS, estimateMessageTokens, measurePromptTokens, measureTaskTokens } from "../../src/tasks/tokens.js";
import type { TaskItem } from "../../src/tasks/types.js";
import { userError } from "../helpers/errors.js";
import { tempDir } from "../helpers/tmp.js";

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

describe("split configs", () => {
  const dir = tempDir();
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("takes sizes as numbers of items as well as fractions", () => {
    const s = assignSplits(ids(100), { search: 30, validation: 0.1, seed: 4 });
    expect([s.search.length, s.validation.length, s.test.length]).toEqual([30, 10, 60]);
    expect(s).toEqual(assignSplits(ids(100), { search: 30, validation: 0.1 }, 4));
    expect(userError(() => assignSplits(ids(10), { search: 8, validation: 5 })).message).toContain("splits.validation asks for 5 items, but only 2");
  });

  it("gives the default splits when nothing is set, as before", () => {
    expect(assignSplits(ids(57), undefined, 3)).toEqual(splitIds(ids(57), 3));
    expect(assignSplits(ids(57), {}, 3)).toEqual(splitIds(ids(57), 3, { search: 0.2, validation: 0.2 }));
  });

  it("reads id files, drawing the other splits from the rest", () => {
    const search = write("search.txt", "item-3\n# a comment\nitem-7\n\nitem-1\n");
    const test = write("test.json", JSON.stringify(["item-0", "item-2"]));
    const s = assignSplits(ids(20), { files: { search, test }, validation: 5 });
    expect(s.search).toEqual(["item-3", "item-7", "item-1"]);
    expect(s.test).toEqual(["item-0", "item-2"]);
    expect(s.validation).toHaveLength(5);
    expect(s.validation.some((id) => ["item-0", "item-1", "item-2", "item-3", "item-7"].includes(id))).toBe(false);
    const only = assignSplits(ids(20), { files: { search }, validation: 0 });
    expect(only.test).toHaveLength(17);
  });

  it("names the file and line of a bad id, and refuses files that overlap", () => {
    const bad = write("bad.txt", "item-1\nitem-99\n");
    const err = userError(() => assignSplits(ids(10), { files: { search: bad } }));
    expect(err.message).toBe(`${bad}: line 2: "item-99" is not an item id of the task`);
    const a = write("a.txt", "item-1\nitem-2\n");
    const b = write("b.txt", "item-2\n");
    expect(userError(() => assignSplits(ids(10), { files: { search: a, test: b } })).message).toContain(`${b}: item "item-2" is also in the search split's file`);
    expect(userError(() => assignSplits(ids(10), { files: { search: join(dir, "missing.txt") } })).message).toContain("missing.txt");
  });

  it("is a key of the search config, checked field by field", () => {
    expect(parseSearchConfig({ splits: { search: 100, validation: 0.1, seed: 2 } }).splits).toEqual({ search: 100, validation: 0.1, seed: 2 });
    expect(userError(() => parseSearchConfig({ splits: { search: 2.5 } }, "cfg.yaml")).format()).toMatch(/cfg\.yaml[\s\S]*splits\.search[\s\S]*fraction below 1 or a whole number/);
    expect(userError(() => parseSearchConfig({ splits: { test: 0.5 } }, "cfg.yaml")).format()).toMatch(/cfg\.yaml[\s\S]*splits[\s\S]*test/);
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
