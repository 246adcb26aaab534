/** The run tracker follows the harness's own leader (by the objective), not a ranking of its own. */
import { describe, expect, it } from "vitest";
import { RunTracker } from "../../src/runs/tracker.js";
import { Journal } from "../../src/search/events.js";
import { runSearch } from "../../src/search/harness.js";
import { simSetup } from "../search/helpers.js";

describe("run tracker", () => {
  it("after each search iteration, its best graph is the result curve's leader under a latency objective", async () => {
    const journal = new Journal();
    const r = await runSearch(simSetup({ evals: 200, seed: 1, objective: { kind: "latency", limitMs: 2500 } }), { sink: journal });
    const tracker = new RunTracker();
    const seen: { iteration: number; evals: number; hash: string; value: number }[] = [];
    for (const e of journal.events) {
      tracker.onEvent(e);
      if (e.type !== "iteration.finished") continue;
      const p = tracker.snapshot();
      expect(p.evals).toBe(e.evals);
      seen.push({ iteration: e.iteration, evals: e.evals, hash: p.best?.hash ?? "", value: p.best?.value ?? NaN });
    }
    expect(seen.length).toBeGreaterThan(3);
    expect(seen).toEqual(r.curve.map((c) => ({ iteration: c.iteration, evals: c.evals, hash: c.bestHash, value: c.best })));
    const last = tracker.snapshot();
    expect(last.finished).toBe(true);
    expect(last.best?.hash).toBe(r.curve.at(-1)!.bestHash);
    expect(last.best!.accuracy).toBeGreaterThanOrEqual(0);
    expect(last.best!.items).toBeGreaterThan(0);
  });
});
