import { describe, expect, it } from "vitest";
import { Journal } from "../../src/search/events.js";
import { runSearch } from "../../src/search/harness.js";
import { OPTIMIZER_NAMES } from "../../src/search/optimizers/index.js";
import { enumerateMultisets } from "../../src/search/optimizers/agent-reinforce/optimizer.js";
import { optimizers } from "../../src/search/plugins.js";
import { resolvePool } from "../../src/resolve.js";
import { simSetup } from "./helpers.js";
import { topology } from "../../src/graph/topology.js";
import type { Graph } from "../../src/graph/schema.js";

const MEDIUM = { evals: 500, selection: { candidates: 4, items: 10 } } as const;

describe("Agent-REINFORCE", () => {
  it("re-measures the best graphs so far with every batch, beside new samples", async () => {
    const journal = new Journal();
    const r = await runSearch(simSetup({ ...MEDIUM, seed: 1 }), { sink: journal });
    const searchIterations = journal.ofType("iteration.started").filter((e) => e.phase === "search").map((e) => e.iteration);
    const proposedAt = (it: number) => journal.ofType("graph.proposed").filter((e) => e.iteration === it);
    const firstSeen = new Map<string, number>();
    for (const e of journal.ofType("graph.proposed")) if (!firstSeen.has(e.hash)) firstSeen.set(e.hash, e.iteration);
    expect(searchIterations.length).toBeGreaterThan(5);
    // (The last iteration may be cut short by the evaluation budget.)
    for (const it of searchIterations.slice(1, -1)) {
      const elites = proposedAt(it).filter((p) => p.origin === "elite");
      // The elites (the default two) were measured before; the rest of the batch is new graphs.
      expect(elites).toHaveLength(2);
      for (const p of elites) expect(firstSeen.get(p.hash)!).toBeLessThan(it);
      expect(proposedAt(it).some((p) => p.origin !== "elite")).toBe(true);
    }
    // So the graph the selection ranks first was measured on many batches, not one lucky one.
    expect(r.candidates[0]!.search.items).toBeGreaterThan(6 * 5);
  });

  it("proposes structural neighbours of the incumbent, all within the budget, and none with moves: 0", async () => {
    const journal = new Journal();
    const setup = simSetup({ ...MEDIUM, task: "sim:humaneval", budget: 42, seed: 3 });
    await runSearch(setup, { sink: journal });
    const moves = journal.ofType("graph.proposed").filter((e) => e.origin.startsWith("move:"));
    expect(moves.length).toBeGreaterThan(3);
    for (const e of moves) expect(setup.space.check(e.graph).ok).toBe(true);
    expect(moves.some((e) => topology(e.graph).depth >= 3)).toBe(true);
    const none = new Journal();
    await runSearch(simSetup({ ...MEDIUM, task: "sim:humaneval", budget: 42, seed: 3, optimizerOptions: { moves: 0 } }), { sink: none });
    expect(none.ofType("graph.proposed").some((e) => e.origin.startsWith("move:"))).toBe(false);
  });

  it("reaches hierarchical fusion where it wins (humaneval, 80 units): fusers answering into the output", async () => {
    // Two 8B fusers over their own workers, fused again, are about 6 points above any fan-in of
    // this cell by ground truth; samples around a fan-in do not reach them, the moves do.
    const fusersIntoOutput = (g: Graph) => g.nodes.filter((n) => n.role === "fuser" && g.edges.some(([a, b]) => a === n.id && b === g.output)).length;
    const hierarchical = async (optimizerOptions: Record<string, unknown>) => {
      let n = 0;
      for (let seed = 0; seed < 10; seed++) {
        const r = await runSearch(simSetup({ evals: 800, task: "sim:humaneval", budget: 80, seed, optimizerOptions }));
        if (fusersIntoOutput(r.best.graph) >= 2) n++;
      }
      return n;
    };
    expect(await hierarchical({})).toBeGreaterThanOrEqual(2);
    expect(await hierarchical({ moves: 0 })).toBe(0);
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
    // Replicated both ways: read by one more copy as an assistant, and fused by one (self-consistency's shape).
    const outRole = (g: Graph) => g.nodes.find((n) => n.id === g.output)!.role;
    expect(pretest.some((g) => g.nodes.length >= 3 && only8b(g) && outRole(g) === "fuser")).toBe(true);
    expect(pretest.some((g) => g.nodes.length >= 3 && only8b(g) && outRole(g) !== "fuser")).toBe(true);
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
      expect(optimizers.get(n).needsLlm).toBe(false);
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

describe("Agent-REINFORCE: candidate multisets", () => {
  it("offers copies of one model both read and fused by one more copy, and mixed workers read by their strongest member", () => {
    const setup = simSetup({ task: "sim:math", budget: 42 });
    const probes = ["llama-1b", "llama-3b", "llama-8b"].map((model, i) => ({ model, family: "llama", params: setup.space.params(model), units: 1, items: 12, correct: 4 + 3 * i, accuracy: (4 + 3 * i) / 12, meanLatencyMs: 0 }));
    const candidates = enumerateMultisets(setup.space, probes);
    const outOf = (g: Graph) => g.nodes.find((n) => n.id === g.output)!;
    for (const kind of ["lead", "fuse"] as const) {
      const same = candidates.filter((c) => c.kind === kind && Object.keys(c.counts).length === 1 && c.nodes >= 3);
      expect(same.length).toBeGreaterThan(0);
      for (const c of same) expect(outOf(c.graph).role === "fuser").toBe(kind === "fuse");
    }
    // A fusing output over mixed workers is weaker than the strongest of them.
    const strength = (m: string) => probes.find((p) => p.model === m)!.accuracy;
    for (const c of candidates.filter((c) => c.kind === "fuse" && Object.keys(c.counts).length > 1)) {
      const workers = c.graph.nodes.filter((n) => n.id !== c.graph.output).map((n) => strength(n.model));
      expect(strength(outOf(c.graph).model)).toBeLessThan(Math.max(...workers));
    }
    // Every candidate is a point of the space within the budget, and none repeats another.
    for (const c of candidates) expect(setup.space.check(c.graph).ok).toBe(true);
    expect(new Set(candidates.map((c) => JSON.stringify([c.counts, outOf(c.graph).model, c.kind]))).size).toBe(candidates.length);
  });
});
