import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoadedPool } from "../../src/models/pool.js";
import { resolvePool } from "../../src/resolve.js";
import { Journal, replayMemo } from "../../src/search/events.js";
import { newRunStats, runSearch } from "../../src/search/harness.js";
import { selectionRounds } from "../../src/search/selection.js";
import { combinedEstimate } from "../../src/search/statistics.js";
import type { ProposalDraft } from "../../src/search/types.js";
import { wilson } from "../../src/util/stats.js";
import { startOpenAIServer, type TestServer } from "../helpers/openai-server.js";
import { simSetup } from "./helpers.js";

describe("search harness", () => {
  it("spends exactly the evaluation budget, probes, pretests and selection included", async () => {
    const journal = new Journal();
    const r = await runSearch(simSetup({ evals: 300 }), { sink: journal });
    const e = r.cost.evals;
    expect(e.total).toBe(300);
    expect(e.probe + e.pretest + e.search + e.selection).toBe(300);
    expect(e.probe).toBeGreaterThan(0);
    expect(e.pretest).toBeGreaterThan(0);
    expect(e.selection).toBe(2 * 10);
    // Every fresh graph-item evaluation in the log is counted once.
    const logged = journal.ofType("eval.batch").reduce((s, b) => s + b.items.length, 0);
    expect(logged).toBe(300);
    expect(r.cost.graphCalls).toBeGreaterThanOrEqual(300);
    expect(r.cost.graphFlops).toBeGreaterThan(0);
    expect(r.best.validation?.items).toBe(10);
    expect(r.best.validation!.ci.low).toBeLessThanOrEqual(r.best.validation!.accuracy);
    expect(r.pareto.length).toBeGreaterThan(0);
  });

  it("gives the selection at most half of a small budget by default, shared between six candidates", async () => {
    const journal = new Journal();
    const r = await runSearch(simSetup({ evals: 300, selection: {} }), { sink: journal });
    expect(r.cost.evals.total).toBe(300);
    expect(r.cost.evals.selection).toBe(150);
    const validated = new Set(journal.ofType("eval.batch").filter((b) => b.split === "validation").map((b) => b.hash));
    expect(validated.size).toBe(6);
  });

  it("evaluates every graph of an iteration on the same items, each graph-item pair once", async () => {
    const journal = new Journal();
    await runSearch(simSetup({ optimizer: "random", evals: 200 }), { sink: journal });
    let items: string[] = [];
    const seen = new Set<string>();
    for (const ev of journal.events) {
      if (ev.type === "iteration.started") items = ev.items;
      if (ev.type === "eval.batch") {
        expect(items).toEqual(expect.arrayContaining(ev.items.map((o) => o.itemId)));
        for (const o of ev.items) {
          const key = `${ev.split}|${ev.hash}|${o.itemId}`;
          expect(seen.has(key)).toBe(false);
          seen.add(key);
        }
      }
    }
  });

  it("resumes from a cut log to exactly the uninterrupted result, without re-running what the log holds", async () => {
    const full = new Journal();
    const fullStats = newRunStats();
    const a = await runSearch(simSetup({ evals: 260, seed: 4 }), { sink: full, stats: fullStats });
    for (const cut of [0.3, 0.8]) {
      const partial = full.events.slice(0, Math.floor(full.events.length * cut));
      const again = new Journal();
      const stats = newRunStats();
      const b = await runSearch(simSetup({ evals: 260, seed: 4 }), { sink: again, memo: replayMemo(partial), stats });
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      expect(again.events).toEqual(full.events);
      expect(stats.replayedItems).toBeGreaterThan(0);
      expect(stats.evaluatorCalls).toBeLessThan(fullStats.evaluatorCalls);
    }
  });

  describe("with a model whose server fails", () => {
    let server: TestServer;
    let pool: LoadedPool;
    beforeAll(async () => {
      server = await startOpenAIServer({ handler: () => ({ kind: "status", status: 500, message: "boom" }) });
      const sim = resolvePool("sim:llama");
      pool = {
        ...sim,
        pool: {
          ...sim.pool,
          models: [...sim.pool.models, { id: "broken", family: "llama", params: 2e9, layers: 20, hidden: 2048, endpoint: { kind: "openai", baseURL: server.baseURL, model: "broken", maxRetries: 0 } }],
        },
      };
    });
    afterAll(() => server.close());

    it("marks graphs whose items error as failed, never as wrong, and chooses a graph that runs", async () => {
      const journal = new Journal();
      const r = await runSearch(simSetup({ optimizer: "random", evals: 200 }, pool), { sink: journal });
      const batches = journal.ofType("eval.batch");
      const failed = batches.filter((b) => b.status === "failed");
      expect(failed.length).toBeGreaterThan(0);
      for (const b of failed) {
        expect(b.items.every((o) => o.correct === null || !o.errored)).toBe(true);
        expect(b.items.some((o) => o.errored && o.correct === null)).toBe(true);
      }
      expect(r.best.graph.nodes.some((n) => n.model === "broken")).toBe(false);
      expect(server.chatRequests().length).toBeGreaterThan(0);
    });
  });
});

describe("selection rounds", () => {
  it("halves the candidates after the first validation round at the same total cost", () => {
    expect(selectionRounds(4, 50, 1000)).toEqual([25, 50]);
    expect(selectionRounds(5, 40, 1000)).toEqual([20, 33]);
    expect(selectionRounds(2, 50, 1000)).toEqual([50]);
    expect(selectionRounds(4, 50, 30)).toEqual([25, 5]);
    expect(selectionRounds(0, 50, 100)).toEqual([]);
  });

  it("spends the evaluations reserved for four candidates on fewer when a method names fewer", () => {
    expect(selectionRounds(2, 50, 1000, 4)).toEqual([100]);
    expect(selectionRounds(1, 50, 1000, 4)).toEqual([200]);
    expect(selectionRounds(3, 50, 1000, 4)).toEqual([33, 50]);
    expect(selectionRounds(2, 50, 60, 4)).toEqual([60]);
  });

  it("validates the finalists on more items than the others and reports the choice rule", async () => {
    const journal = new Journal();
    const r = await runSearch(simSetup({ evals: 500, selection: { candidates: 4, items: 20 } }), { sink: journal });
    expect(r.cost.evals.selection).toBe(80);
    const counts = r.candidates.map((c) => c.validation?.items ?? 0).sort((a, b) => a - b);
    expect(counts).toEqual([10, 10, 30, 30]);
    expect(r.best.validation!.items).toBe(30);
    expect(r.selectionRule).toMatch(/highest 95% lower bound of accuracy \(validation items combined with the shrunk search accuracy\) among 2 finalists/);
    expect(journal.ofType("selection")[0]!.chosen).toBe(r.best.hash);
  });
});

describe("final choice with the search's evidence", () => {
  it("without a search estimate it is the validation accuracy and its Wilson bound", () => {
    const e = combinedEstimate({ correct: 30, graded: 50 }, undefined, 0.95);
    expect(e.mean).toBeCloseTo(0.6, 12);
    expect(e.low).toBeCloseTo(wilson(30, 50, 0.95).low, 12);
  });

  it("a graph the search measured well beats one that only did slightly better on validation", () => {
    // 49/75 vs 51/75 on validation; the first was 0.66 +- 0.04 in the search, the second 0.60 +- 0.08.
    const solid = combinedEstimate({ correct: 49, graded: 75 }, { mean: 0.66, sd: 0.04 }, 0.95);
    const lucky = combinedEstimate({ correct: 51, graded: 75 }, { mean: 0.6, sd: 0.08 }, 0.95);
    expect(solid.mean).toBeGreaterThan(lucky.mean);
    expect(49 / 75).toBeLessThan(51 / 75);
  });

  it("search evidence narrows the interval and pulls the estimate toward the search's", () => {
    const alone = combinedEstimate({ correct: 40, graded: 60 }, undefined, 0.95);
    const agreeing = combinedEstimate({ correct: 40, graded: 60 }, { mean: 40 / 60, sd: 0.05 }, 0.95);
    const worse = combinedEstimate({ correct: 40, graded: 60 }, { mean: 0.5, sd: 0.05 }, 0.95);
    expect(agreeing.low).toBeGreaterThan(alone.low);
    expect(worse.mean).toBeLessThan(agreeing.mean);
    expect(worse.mean).toBeGreaterThan(0.5);
  });

  it("takes the optimizer's own finalists first, up to the candidate count", async () => {
    const base = simSetup({ optimizer: "random", evals: 300, selection: { candidates: 3, items: 10 } });
    const named: ProposalDraft[] = [];
    const r = await runSearch({
      ...base,
      optimizer: (ctx) => {
        const inner = base.optimizer(ctx);
        return {
          name: inner.name,
          defaults: inner.defaults,
          ask: async (req) => {
            const b = await inner.ask(req);
            // Name the first three distinct graphs of the first iteration, latest first.
            if (named.length === 0) for (const d of b.proposals) if (!named.some((x) => JSON.stringify(x.graph) === JSON.stringify(d.graph))) named.push(d);
            return b;
          },
          tell: (res) => inner.tell(res),
          finalists: () => [...named].reverse(),
        };
      },
    });
    expect(named.length).toBeGreaterThanOrEqual(3);
    const want = [...named].reverse().slice(0, 3).map((d) => JSON.stringify(d.graph));
    expect(r.candidates.map((c) => JSON.stringify(c.graph))).toEqual(want);
  });
});

describe("the whole evaluation budget", () => {
  it("what the search leaves (TPE repeating a graph measured on every search item) goes to the selection, and the result says so", async () => {
    const r = await runSearch(simSetup({ optimizer: "tpe", evals: 800, selection: { candidates: 4, items: 50 } }));
    expect(r.cost.evals.total).toBe(800);
    expect(r.cost.evals.selection).toBeGreaterThan(200);
    expect(r.spending.unspent).toBe(0);
    expect(r.spending.reason).toMatch(/already evaluated on every search item .* unspent evaluations went to the selection/);
  });

  it("what the selection cannot use (every validation item measured) is named, with why the search ended", async () => {
    const r = await runSearch(simSetup({ optimizer: "random", evals: 1000, iterations: 2, selection: { candidates: 2, items: 10 } }));
    expect(r.cost.evals.total).toBeLessThan(1000);
    expect(r.spending.unspent).toBe(1000 - r.cost.evals.total);
    expect(r.spending.reason).toMatch(/^\d+ evaluations unspent: the selection measured its candidates on all \d+ validation items.*cap of 2 iterations/);
  });
});
