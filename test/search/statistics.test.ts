import { describe, expect, it } from "vitest";
import { empiricalBayes, empiricalBayesWithSd, PairedBook } from "../../src/search/statistics.js";
import type { ItemOutcome } from "../../src/search/types.js";

/** Outcomes on items `from..from+count-1`, the first `right` of them correct. */
function outcomes(from: number, count: number, right: number): ItemOutcome[] {
  return Array.from({ length: count }, (_, k) => ({ itemId: `i${from + k}`, correct: k < right, errored: false }) as ItemOutcome);
}

/** Outcomes on the given items, correct where `ok` says. */
function on(items: number[], ok: (item: number) => boolean): ItemOutcome[] {
  return items.map((i) => ({ itemId: `i${i}`, correct: ok(i), errored: false }) as ItemOutcome);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe("empirical-Bayes estimates", () => {
  it("keep every item of a graph measured early when a later graph is measured on other items", () => {
    // A pretest graph measured on 48 items; a later graph re-measured with every batch on 62 other
    // items (six shared); a crowd of graphs seen on one batch each. The pretest graph's 47 of 48
    // must count, not only the six items it shares with the most-measured graph.
    const book = new PairedBook();
    book.add("early", outcomes(0, 48, 47));
    book.add("late", [...outcomes(42, 6, 5), ...outcomes(100, 56, 53)]);
    for (let g = 0; g < 12; g++) book.add(`crowd${g}`, outcomes(100 + 6 * (g % 8), 6, 4 + (g % 3)));
    const est = empiricalBayes(book);
    expect(est.get("early")!).toBeGreaterThan(est.get("late")!);
  });

  it("cancel item difficulty: a graph is judged against the others on the same items", () => {
    // Items 0-49 are hard and 50-99 easy. A crowd of graphs saw all of them; "onHard" saw only the
    // hard ones and beat the crowd there; "onEasy" saw only the easy ones and lost to it there.
    const book = new PairedBook();
    const hard = range(0, 50);
    const easy = range(50, 100);
    for (let g = 0; g < 8; g++) book.add(`crowd${g}`, on([...hard, ...easy], (i) => ((i + g) % 10) < (i < 50 ? 2 + (g % 3) : 8 + (g % 2))));
    book.add("onHard", on(hard, (i) => i % 5 < 3));
    book.add("onEasy", on(easy, (i) => i % 10 < 7));
    expect(book.accuracy("onEasy")).toBeGreaterThan(book.accuracy("onHard"));
    const est = empiricalBayes(book);
    const crowd = range(0, 8).map((g) => est.get(`crowd${g}`)!);
    expect(est.get("onHard")!).toBeGreaterThan(Math.max(...crowd));
    expect(est.get("onEasy")!).toBeLessThan(crowd.reduce((a, b) => a + b, 0) / crowd.length);
    expect(est.get("onHard")!).toBeGreaterThan(est.get("onEasy")!);
  });

  it("do not take a newcomer's lucky batch at its word", () => {
    const book = new PairedBook();
    for (let g = 0; g < 10; g++) book.add(`g${g}`, on(range(0, 60), (i) => (i + g) % 10 < 6 + (g % 3)));
    book.add("solid", on(range(0, 60), (i) => i % 10 < 8));
    book.add("lucky", on(range(60, 66), () => true));
    const est = empiricalBayesWithSd(book);
    const lucky = est.get("lucky")!;
    expect(lucky.mean).toBeLessThan(est.get("solid")!.mean);
    expect(lucky.sd).toBeGreaterThan(est.get("solid")!.sd);
    for (const e of est.values()) {
      expect(e.mean).toBeGreaterThanOrEqual(0);
      expect(e.mean).toBeLessThanOrEqual(1);
    }
  });

  it("are the same whatever the order the outcomes of a graph came in", () => {
    const a = new PairedBook();
    const b = new PairedBook();
    a.add("x", outcomes(0, 20, 12));
    a.add("y", outcomes(10, 20, 15));
    b.add("x", outcomes(0, 20, 12).reverse());
    b.add("y", outcomes(10, 20, 15).reverse());
    const ea = empiricalBayes(a);
    const eb = empiricalBayes(b);
    expect(eb.get("x")).toBeCloseTo(ea.get("x")!, 9);
    expect(eb.get("y")).toBeCloseTo(ea.get("y")!, 9);
  });
});
