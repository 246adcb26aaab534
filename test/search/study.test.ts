import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { Journal } from "../../src/search/events.js";
import { runSearch } from "../../src/search/harness.js";
import { Study, type EvaluationRequest } from "../../src/search/study.js";
import type { ItemOutcome } from "../../src/search/types.js";
import { simSetup } from "./helpers.js";

const CONFIG = { task: "sim:mmlu", budget: 30, evals: 300, seed: 4 } as const;

describe("Study: ask and tell", () => {
  it("a hand-written loop with its own executor (one item at a time, in reverse) gives runSearch's events and result", async () => {
    const reference = new Journal();
    const expected = await runSearch(simSetup(CONFIG), { sink: reference });

    const setup = simSetup(CONFIG);
    const journal = new Journal();
    const study = await Study.start(setup, { sink: journal });
    let requests = 0;
    let pairs = 0;
    const phases = new Set<string>();
    for (let req = study.ask(); req; req = study.ask()) {
      requests++;
      phases.add(req.phase);
      const outcomes: ItemOutcome[][] = [];
      for (const e of [...req.evaluations].reverse()) {
        const one: ItemOutcome[] = [];
        for (const item of [...e.items].reverse()) one.unshift(...(await setup.evaluator(e.graph, [item], req.split)));
        outcomes.unshift(one);
        pairs += e.items.length;
      }
      await study.tell(req, outcomes);
    }
    expect(study.result).toEqual(expected);
    expect(journal.events).toEqual(reference.events);
    expect(requests).toBeGreaterThan(5);
    expect(phases).toEqual(new Set(["probe", "pretest", "search", "selection"]));
    expect(pairs).toBe(expected.cost.evals.total);
  });

  it("refuses outcomes that do not match the request, and a request told twice", async () => {
    const study = await Study.start(simSetup(CONFIG));
    const req = study.ask()!;
    expect(req.evaluations.length).toBeGreaterThan(0);
    await expect(study.tell(req, [])).rejects.toBeInstanceOf(UserError);
    const short = req.evaluations.map((e) => e.items.slice(1).map((it) => ({ itemId: it.id, correct: true, errored: false, flops: 1, latencyMs: 1, dollars: undefined, calls: 1 })));
    await expect(study.tell(req, short)).rejects.toThrow(/outcomes for \d+ items/);
    const ok = req.evaluations.map((e) => e.items.map((it) => ({ itemId: it.id, correct: true, errored: false, flops: 1, latencyMs: 1, dollars: undefined, calls: 1 })));
    await study.tell(req, ok);
    const stale: EvaluationRequest = req;
    await expect(study.tell(stale, ok)).rejects.toThrow(/is not the one asked/);
  });
});
