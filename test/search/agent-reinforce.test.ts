import { describe, expect, it } from "vitest";
import { Journal } from "../../src/search/events.js";
import { runSearch } from "../../src/search/harness.js";
import { OPTIMIZER_NAMES, optimizerInfo } from "../../src/search/optimizers/index.js";
import { resolvePool } from "../../src/resolve.js";
import { simSetup } from "./helpers.js";

const MEDIUM = { evals: 500, selection: { candidates: 4, items: 10 } } as const;

describe("Agent-REINFORCE", () => {
  it("ends with a polish phase that re-measures graphs it already has instead of sampling new ones", async () => {
    const journal = new Journal();
    await runSearch(simSetup({ ...MEDIUM, seed: 1 }), { sink: journal });
    const firstSeen = new Map<string, number>();
    for (const e of journal.ofType("graph.proposed")) if (!firstSeen.has(e.hash)) firstSeen.set(e.hash, e.iteration);
    const searchIterations = journal.ofType("iteration.started").filter((e) => e.phase === "search").map((e) => e.iteration);
    const proposedAt = (it: number) => journal.ofType("graph.proposed").filter((e) => e.iteration === it);
    const polish = searchIterations.filter((it) => proposedAt(it).every((p) => p.origin === "elite"));
    // The search ends polishing, and at least one polish iteration re-measures two graphs side by side.
    expect(polish).toContain(searchIterations[searchIterations.length - 1]);
    expect(polish.some((it) => proposedAt(it).length >= 2)).toBe(true);
    // Earlier iterations sampled new graphs.
    expect(searchIterations.some((it) => proposedAt(it).some((p) => p.origin === "sample"))).toBe(true);
    for (const it of polish) for (const p of proposedAt(it)) expect(firstSeen.get(p.hash)!).toBeLessThan(it);
    // The strongest single model is re-measured beside the best collaborations.
    expect(polish.every((it) => proposedAt(it).some((p) => p.graph.nodes.length === 1))).toBe(true);
  });

  it("offers the selection well-measured graphs, not newcomers with one lucky batch", async () => {
    for (const seed of [0, 1, 2]) {
      const r = await runSearch(simSetup({ ...MEDIUM, seed }));
      expect(r.candidates).toHaveLength(4);
      // Each finalist was measured on more items than a single search batch (6) gives.
      for (const c of r.candidates) expect(c.search.items).toBeGreaterThan(6);
    }
  });

  it("without polish and finalists (the old behaviour) the selection does take barely measured graphs", async () => {
    let fewest = Infinity;
    for (const seed of [0, 1, 2]) {
      const r = await runSearch(simSetup({ ...MEDIUM, seed, optimizerOptions: { polish: 0, finalists: 0 } }));
      fewest = Math.min(fewest, ...r.candidates.map((c) => c.search.items));
    }
    expect(fewest).toBeLessThanOrEqual(6);
  });
});

describe("Agent-REINFORCE: the strongest single model as a standing finalist (Insight 1)", () => {
  // MATH at 80 units: llama-70b alone is the best graph, and 8B ensembles come within a few points.
  const llamaOnly = () => {
    const p = resolvePool("sim:llama");
    return { ...p, pool: { ...p.pool, models: p.pool.models.filter((m) => m.family === "llama") } };
  };
  const run = (seed: number, optimizerOptions: Record<string, unknown> = {}) => runSearch(simSetup({ task: "sim:math", budget: 80, evals: 800, selection: { candidates: 4, items: 50 }, seed, optimizerOptions }, llamaOnly()));
  const alone70b = (g: { nodes: { model: string }[] }) => g.nodes.length === 1 && g.nodes[0]!.model === "llama-70b";

  it("keeps the single model unless a collaboration beats it clearly on shared items", async () => {
    // Seeds where, without the rule, a collaboration that merely tied the single model on the search
    // items won the validation round by its luck there.
    const without: boolean[] = [];
    for (const seed of [0, 6]) {
      const r = await run(seed);
      expect(alone70b(r.best.graph)).toBe(true);
      expect(r.candidates.some((c) => alone70b(c.graph))).toBe(true);
      without.push(alone70b((await run(seed, { singleMargin: 0 })).best.graph));
    }
    expect(without).toContain(false);
  });
});

describe("Agent-REINFORCE: the largest model races in the pretest whatever the probes say (Insight 1)", () => {
  // MATH at 42 units, seed 17: on the twelve probe items llama-8b, the strongest model that fits,
  // scores below llama-1b and llama-3b, so a pretest built from the probes alone never meets it.
  const llamaOnly = () => {
    const p = resolvePool("sim:llama");
    return { ...p, pool: { ...p.pool, models: p.pool.models.filter((m) => m.family === "llama") } };
  };
  const pretested = async (optimizer: "agent-reinforce" | "agent-reinforce-no-insights") => {
    const journal = new Journal();
    await runSearch(simSetup({ task: "sim:math", budget: 42, evals: 800, selection: { candidates: 4, items: 50 }, seed: 17, optimizer }, llamaOnly()), { sink: journal });
    const phase = new Map(journal.ofType("iteration.started").map((e) => [e.iteration, e.phase]));
    const graphs = (p: string) => journal.ofType("graph.proposed").filter((e) => phase.get(e.iteration) === p);
    const probeScores = new Map(journal.ofType("eval.batch").filter((e) => phase.get(e.iteration) === "probe").map((e) => [graphs("probe").find((g) => g.hash === e.hash)!.graph.nodes[0]!.model, e.score.accuracy]));
    return { probeScores, pretest: graphs("pretest").map((e) => e.graph) };
  };
  const only8b = (g: { nodes: { model: string }[] }) => g.nodes.every((n) => n.model === "llama-8b");

  it("tries llama-8b alone and replicated even though its probe ranked it last", async () => {
    const { probeScores, pretest } = await pretested("agent-reinforce");
    expect(probeScores.get("llama-8b")!).toBeLessThan(Math.min(probeScores.get("llama-1b")!, probeScores.get("llama-3b")!));
    expect(pretest.some((g) => g.nodes.length === 1 && only8b(g))).toBe(true);
    expect(pretest.some((g) => g.nodes.length >= 3 && only8b(g))).toBe(true);
  });

  it("without insights the pretest follows the probes alone and leaves it out", async () => {
    const { pretest } = await pretested("agent-reinforce-no-insights");
    expect(pretest.length).toBeGreaterThan(0);
    expect(pretest.some((g) => only8b(g))).toBe(false);
  });
});

describe("Agent-REINFORCE ablations by name", () => {
  it("are optimizer names a comparison can pass", () => {
    for (const n of ["agent-reinforce-no-insights", "agent-reinforce-random-init", "agent-reinforce-no-fuser"]) {
      expect(OPTIMIZER_NAMES).toContain(n);
      expect(optimizerInfo(n).needsLlm).toBe(false);
    }
  });

  it("no fuser: the space forbids the role and no evaluated graph uses it", async () => {
    const setup = simSetup({ ...MEDIUM, optimizer: "agent-reinforce-no-fuser" });
    expect(setup.space.fuser).toBe(false);
    expect(simSetup({ ...MEDIUM }).space.fuser).toBe(true);
    const journal = new Journal();
    await runSearch(setup, { sink: journal });
    const graphs = journal.ofType("graph.proposed");
    expect(graphs.length).toBeGreaterThan(10);
    for (const g of graphs) expect(g.graph.nodes.every((n) => n.role === "assistant")).toBe(true);
  });

  it("random init: no probes and no pretest, the whole budget goes to the search", async () => {
    const r = await runSearch(simSetup({ ...MEDIUM, optimizer: "agent-reinforce-random-init" }));
    expect(r.cost.evals.probe).toBe(0);
    expect(r.cost.evals.pretest).toBe(0);
    expect(r.cost.evals.total).toBe(500);
    const full = await runSearch(simSetup({ ...MEDIUM }));
    expect(full.cost.evals.probe).toBeGreaterThan(0);
    expect(full.cost.evals.pretest).toBeGreaterThan(0);
  });

  it("no insights: the initialisation and updates do not invoke them", async () => {
    const texts = async (optimizer: "agent-reinforce" | "agent-reinforce-no-insights") => {
      const journal = new Journal();
      await runSearch(simSetup({ ...MEDIUM, optimizer }), { sink: journal });
      return journal.ofType("agent.feedback").map((e) => e.text);
    };
    const plain = await texts("agent-reinforce-no-insights");
    const full = await texts("agent-reinforce");
    expect(plain.length).toBeGreaterThan(1);
    expect(plain.some((t) => /Insight/.test(t))).toBe(false);
    expect(full[0]).toMatch(/Insight 1/);
  });
});
