/**
 * A simulated run whose config moves the split seed searches another draw of the world's items
 * (the split seed is the world's seed); `eval RUN_DIR` then scores that world's held-out items.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { resolveTask } from "../../src/resolve.js";

describe("eval of a simulated run with a split seed", () => {
  it("scores the held-out items of the run's own world", async () => {
    const dir = tempDir();
    const config = join(dir, "search.yaml");
    writeFileSync(config, ["task: sim:math", "pool: sim:llama", "budget: 18", "evals: 300", "optimizer: random", "splits:", "  seed: 3"].join("\n") + "\n");
    const runDir = join(dir, "run");
    const s = await runCli(["search", "--config", config, "--out", runDir, "--json"]);
    expect(s.code, s.stderr).toBe(0);
    const r = await runCli(["eval", runDir, "--limit", "60", "--no-cache", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { itemResults: { id: string; correct: boolean; answer: string | null }[] };
    const answers = (seed: number) => new Map(resolveTask("sim:math", { seed }).items("test").map((i) => [i.id, i.answer]));
    const own = answers(3);
    const other = answers(0);
    const right = doc.itemResults.filter((i) => i.correct);
    expect(right.length).toBeGreaterThan(10);
    // Every item graded right was answered with world 3's answer, which mostly differs from world 0's.
    for (const i of right) expect(i.answer).toBe(own.get(i.id));
    expect(right.filter((i) => i.answer !== other.get(i.id)).length).toBeGreaterThan(right.length / 2);
  });
});
