import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolvePool } from "../../src/resolve.js";
import { Journal } from "../../src/search/events.js";
import { runSearch, type SearchSetup } from "../../src/search/harness.js";
import { scoreOf } from "../../src/search/score.js";
import { resolveOptimizer } from "../../src/search/plugins.js";
import type { EvalOutcome, Optimizer, ProposalDraft } from "../../src/search/types.js";
import { simSetup } from "./helpers.js";

const NUMERIC: string[] = ["agent-reinforce", "reinforce", "random", "tpe", "evolution"];

/** The hashes the optimizer proposed, in order. */
async function proposals(setup: SearchSetup): Promise<string[]> {
  const j = new Journal();
  await runSearch(setup, { sink: j });
  return j.ofType("graph.proposed").map((e) => `${e.iteration}:${e.hash}`);
}

/** Wrap a setup's optimizer so every draft it asks to run is recorded before the harness sees it. */
function recording(setup: SearchSetup, drafts: ProposalDraft[]): SearchSetup {
  return {
    ...setup,
    optimizer: (ctx) => {
      const inner = setup.optimizer(ctx);
      const wrapped: Optimizer = {
        name: inner.name,
        defaults: inner.defaults,
        ask: async (req) => {
          const b = await inner.ask(req);
          drafts.push(...b.proposals);
          return b;
        },
        tell: (r) => inner.tell(r),
      };
      return wrapped;
    },
  };
}

describe("optimizer contract", () => {
  for (const name of NUMERIC) {
    it(`${name}: the same seed gives the same proposals; another seed, others`, async () => {
      const a = await proposals(simSetup({ optimizer: name, seed: 5 }));
      const b = await proposals(simSetup({ optimizer: name, seed: 5 }));
      const c = await proposals(simSetup({ optimizer: name, seed: 6 }));
      expect(a.length).toBeGreaterThan(3);
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
    });

    it(`${name}: refuses a second report of the same proposal`, async () => {
      const setup = simSetup({ optimizer: name });
      const { definition, options } = resolveOptimizer({ optimizer: name, optimizerOptions: {} });
      const opt = definition.create({ space: setup.space, seed: 0, objective: { kind: "accuracy" }, task: { id: "sim:math", style: "math" }, emit: () => {}, options }, options);
      const batch = await opt.ask({ iteration: 0, samples: 3, batch: 4, remainingEvals: 100 });
      const d = batch.proposals[0]!;
      const items = [{ itemId: "i1", correct: true, errored: false, flops: 1, latencyMs: 1, dollars: undefined, calls: 1 }];
      const s = scoreOf(items, { kind: "accuracy" });
      const outcome: EvalOutcome = { proposal: { ...d, id: "p0.0", hash: "h0", iteration: 0 }, status: "ok", items, batch: s, total: s };
      await opt.tell([outcome]);
      await expect(opt.tell([outcome])).rejects.toThrow(/already reported/);
    });
  }

  it("no optimizer ever proposes a graph over budget (random pools, tasks and budgets)", async () => {
    const mixed = resolvePool("sim:mixed");
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...NUMERIC),
        fc.constantFrom("sim:math", "sim:mmlu", "sim:humaneval"),
        fc.subarray(mixed.pool.models.map((m) => m.id), { minLength: 1 }),
        fc.double({ min: 1.5, max: 100, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom("drop-smallest" as const, "reject" as const),
        async (optimizer, task, models, budget, seed, repair) => {
          const pool = { ...mixed, pool: { ...mixed.pool, models: mixed.pool.models.filter((m) => models.includes(m.id)) } };
          let setup: SearchSetup;
          try {
            setup = simSetup({ optimizer, task, budget, seed, evals: 90, selection: { candidates: 1, items: 5 }, space: { repair } }, pool);
          } catch (err) {
            // A budget below every single call has no graph at all; that is reported up front.
            expect(String(err)).toMatch(/no graph fits/);
            return;
          }
          const drafts: ProposalDraft[] = [];
          const journal = new Journal();
          await runSearch(recording(setup, drafts), { sink: journal });
          expect(drafts.length).toBeGreaterThan(0);
          for (const d of drafts) expect(setup.space.check(d.graph).ok).toBe(true);
          expect(journal.ofType("proposal.rejected").filter((e) => /budget:/.test(e.reason))).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("Agent-REINFORCE ablations", () => {
  it("without the fuser role no proposed graph has a fuser", async () => {
    const j = new Journal();
    await runSearch(simSetup({ space: { fuser: false } }), { sink: j });
    const nodes = j.ofType("graph.proposed").flatMap((e) => e.graph.nodes);
    expect(nodes.length).toBeGreaterThan(10);
    expect(nodes.every((n) => n.role === "assistant")).toBe(true);
  });

  it("random initialisation skips probes and pretests; no insights leaves them out of the agent's reasoning", async () => {
    const random = new Journal();
    const r = await runSearch(simSetup({ optimizerOptions: { init: "random" } }), { sink: random });
    expect(r.cost.evals.probe + r.cost.evals.pretest).toBe(0);
    expect(random.ofType("iteration.started").every((e) => e.phase === (e.split === "search" ? "search" : "selection"))).toBe(true);
    const plain = new Journal();
    await runSearch(simSetup({ optimizerOptions: { insights: false } }), { sink: plain });
    const withInsights = new Journal();
    await runSearch(simSetup({}), { sink: withInsights });
    const text = (j: Journal) => j.ofType("agent.feedback").map((e) => e.text).join("\n");
    expect(text(withInsights)).toMatch(/Insight 1/);
    expect(text(plain)).not.toMatch(/Insight/);
  });
});
