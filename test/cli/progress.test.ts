import { describe, expect, it } from "vitest";
import { ProgressLine } from "../../src/cli/progress.js";
import type { RunProgress } from "../../src/runs/tracker.js";

function state(evals: number, best: RunProgress["best"]): RunProgress {
  return { events: evals, iteration: 1, phase: "search", iterationsDone: 1, evals, calls: evals, flops: 1e12, dollars: undefined, erroredItems: 0, graphs: 3, agentCalls: 0, fallbacks: 0, best, finished: false };
}

describe("the progress line's best", () => {
  it("never falls: it keeps the highest leader accuracy seen and shows the leader's current estimate beside it", () => {
    const out: string[] = [];
    const line = new ProgressLine({ stdout: () => {}, stderr: (t) => out.push(t), isTTY: false }, { total: 100, now: () => 0 });
    const leaders = [0.7, 0.583, 0.548, 0.75];
    const texts = leaders.map((a, i) => line.line(state(10 * (i + 1), { hash: i < 3 ? "aaaaaaaa1" : "bbbbbbbb2", value: a, accuracy: a, items: 8 + i }), "iteration"));
    const shown = texts.map((t) => Number(/best so far ([\d.]+)%/.exec(t)?.[1]));
    for (let i = 1; i < shown.length; i++) expect(shown[i]).toBeGreaterThanOrEqual(shown[i - 1]!);
    expect(shown).toEqual([70, 70, 70, 75]);
    expect(texts[1]).toContain("leader now 58.3% on 9 items (aaaaaaaa)");
    expect(texts[3]).not.toContain("leader now");
    expect(out).toEqual([]);
  });
});
