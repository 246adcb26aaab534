import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { RUN_FILES, lockHolder } from "../../src/runs/dir.js";
import { SearchRun } from "../../src/runs/session.js";
import { parseSearchConfig } from "../../src/search/config.js";
import { runSearch } from "../../src/search/harness.js";
import { QUICK, simSetup } from "../search/helpers.js";
import { tempDir } from "../helpers/tmp.js";

const INPUT = { ...QUICK, task: "sim:mmlu", budget: 30, seed: 2 };

describe("SearchRun: a run folder through the library", () => {
  it("starts, runs, and finishes a run: the result of runSearch, written last, and the lock released", async () => {
    const dir = join(tempDir(), "run");
    const run = SearchRun.start(dir, parseSearchConfig(INPUT));
    expect(lockHolder(dir)).toBe(process.pid);
    const result = await run.execute(simSetup(INPUT));
    expect(result).toEqual(await runSearch(simSetup(INPUT)));
    expect(JSON.parse(readFileSync(join(dir, RUN_FILES.result), "utf8")).best.hash).toBe(result.best.hash);
    expect(JSON.parse(readFileSync(join(dir, RUN_FILES.best), "utf8")).name).toBe(`best-${result.best.hash}`);
    expect(lockHolder(dir)).toBeUndefined();
    expect(() => SearchRun.start(dir, parseSearchConfig(INPUT))).toThrow(/finished run of this config/);
  });

  it("resumes a cut journal to the same events and result, replaying what it holds", async () => {
    const dir = join(tempDir(), "run");
    await SearchRun.start(dir, parseSearchConfig(INPUT)).execute(simSetup(INPUT));
    const journal = readFileSync(join(dir, RUN_FILES.events), "utf8");
    const result = readFileSync(join(dir, RUN_FILES.result), "utf8");
    writeFileSync(join(dir, RUN_FILES.events), journal.split("\n").slice(0, 40).join("\n") + "\n");
    const run = SearchRun.resume(dir);
    expect(run.journalEvaluations).toBeGreaterThan(0);
    const again = await run.execute(simSetup(INPUT));
    expect(readFileSync(join(dir, RUN_FILES.events), "utf8")).toBe(journal);
    expect(readFileSync(join(dir, RUN_FILES.result), "utf8")).toBe(result);
    const summary = run.resumeSummary(again)!;
    expect(summary.replayedEvaluations).toBe(run.journalEvaluations);
    expect(summary.newEvaluations).toBe(again.cost.evals.total - summary.replayedEvaluations);
    expect(summary.divergedAt).toBeNull();
  });

  it("a new run whose search cannot start leaves no folder behind", async () => {
    const dir = join(tempDir(), "run");
    const run = SearchRun.start(dir, parseSearchConfig({ ...INPUT, evals: 20 }));
    await expect(run.execute(simSetup({ ...INPUT, evals: 20 }))).rejects.toBeInstanceOf(UserError);
    expect(run.discarded).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });
});
