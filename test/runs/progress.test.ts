/** The progress line: live redraws on a terminal, plain lines otherwise, figures from the run's events. */
import { describe, expect, it } from "vitest";
import { ProgressLine, formatDuration } from "../../src/cli/progress.js";
import type { Io } from "../../src/cli/output.js";
import { RunTracker } from "../../src/runs/tracker.js";
import type { RecordedEvent, SearchEvent } from "../../src/search/events.js";
import { newRunStats } from "../../src/search/harness.js";
import type { ItemOutcome } from "../../src/search/types.js";

function capture(isTTY: boolean): Io & { out: string; err: string } {
  const io = { out: "", err: "", isTTY, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

const outcome = (itemId: string, correct: boolean): ItemOutcome => ({ itemId, correct, errored: false, flops: 1e12, latencyMs: 10, dollars: 0.001, calls: 2 });
const score = { items: 0, correct: 0, errored: 0, accuracy: 0, meanFlops: 0, meanLatencyMs: 0, meanDollars: undefined, utility: 0 };

/** Two iterations of two graphs on two items each, then the end. */
function script(): SearchEvent[] {
  return [
    { type: "iteration.started", iteration: 0, phase: "search", split: "search", items: ["a", "b"] },
    { type: "eval.batch", iteration: 0, split: "search", hash: "aaaa1111", status: "ok", items: [outcome("a", true), outcome("b", true)], reused: 0, score },
    { type: "eval.batch", iteration: 0, split: "search", hash: "bbbb2222", status: "ok", items: [outcome("a", false), outcome("b", true)], reused: 0, score },
    { type: "iteration.finished", iteration: 0, phase: "search", evals: 4, best: { hash: "aaaa1111", value: 0.9, accuracy: 1, items: 2 } },
    { type: "iteration.started", iteration: 1, phase: "search", split: "search", items: ["c", "d"] },
    { type: "eval.batch", iteration: 1, split: "search", hash: "aaaa1111", status: "ok", items: [outcome("c", true), outcome("d", false)], reused: 0, score },
    { type: "agent.fallback", iteration: 1, purpose: "feedback", reason: "the reply was not JSON" },
    { type: "iteration.finished", iteration: 1, phase: "search", evals: 6, best: { hash: "aaaa1111", value: 0.7, accuracy: 0.75, items: 4 } },
    { type: "iteration.started", iteration: 2, phase: "selection", split: "validation", items: ["v"] },
    { type: "eval.batch", iteration: 2, split: "validation", hash: "aaaa1111", status: "ok", items: [outcome("v", true)], reused: 0, score },
    { type: "run.finished", best: "aaaa1111", evals: 7, summary: {} },
  ];
}

function play(io: Io, now: () => number, redrawMs = 0): void {
  const tracker = new RunTracker();
  const line = new ProgressLine(io, { total: 10, stats: newRunStats(), cache: { hits: 1, misses: 3 }, now, redrawMs });
  script().forEach((e, seq) => {
    const rec = { ...e, v: 1, seq } as RecordedEvent;
    tracker.onEvent(rec);
    line.update(rec, tracker.snapshot());
  });
}

describe("progress", () => {
  it("without a terminal: one plain line per iteration with best so far, evaluations, FLOPs, dollars, cache hit rate and ETA", () => {
    const io = capture(false);
    let t = 0;
    play(io, () => (t += 1000));
    const lines = io.err.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^iteration 0: 4\/10 evaluations, best so far 100\.0% on 2 items \(aaaa1111\), 4\.00e\+12 FLOPs, \$0\.0040, cache 25\.0% hits, ETA \d+s$/);
    expect(lines[1]).toBe("agent fallback (iteration 1): the reply was not JSON");
    // The best so far never falls; the leader's estimate, graded on more items, is shown beside it.
    expect(lines[2]).toMatch(/^iteration 1: 6\/10 evaluations, best so far 100\.0% \(aaaa1111\), leader now 75\.0% on 4 items \(aaaa1111\)/);
    expect(lines[3]).toMatch(/^selection on validation items: 7\/10 evaluations/);
    expect(lines[3]).not.toMatch(/ETA/);
    expect(lines).toHaveLength(4);
    expect(io.err).not.toContain("\r");
    expect(io.out).toBe("");
  });

  it("on a terminal: the line is redrawn in place as evaluations arrive and kept when its iteration ends", () => {
    const io = capture(true);
    let t = 0;
    play(io, () => (t += 1000));
    expect(io.err).toContain("\r\x1b[2Kiteration 0: 2/10 evaluations");
    expect(io.err).toContain("\r\x1b[2Kiteration 0: 4/10 evaluations");
    const kept = io.err.split("\n")[0]!;
    expect(kept.slice(kept.lastIndexOf("\r"))).toMatch(/^\r.\[2Kiteration 0: 4\/10 evaluations, best/);
    expect(io.err.split("\n").filter((l) => l.length > 0)).toHaveLength(4);
    expect(io.out).toBe("");
  });

  it("the ETA counts only evaluations actually run, not those replayed from a journal", () => {
    const io = capture(false);
    let t = 0;
    const stats = newRunStats();
    const line = new ProgressLine(io, { total: 100, stats, now: () => t });
    const base = { events: 1, iteration: 0, phase: "search" as const, iterationsDone: 0, calls: 0, flops: 0, dollars: undefined, erroredItems: 0, graphs: 1, agentCalls: 0, fallbacks: 0, best: undefined, finished: false };
    stats.replayedItems = 50;
    t = 5000;
    expect(line.eta({ ...base, evals: 50 })).toBeUndefined();
    t = 15_000;
    // 10 evaluations ran in 10 s after the replay: 40 left take 40 s.
    expect(line.eta({ ...base, evals: 60 })).toBe(40_000);
    expect(formatDuration(40_000)).toBe("40s");
    expect(formatDuration(3_723_000)).toBe("1h02m");
  });
});
