/**
 * Budget safety, as seeded properties: no graph the search space samples or repairs, no draft the
 * harness accepts, and no graph any optimizer gets evaluated (an adversarial LLM agent included)
 * costs more than the budget a priori, for random pools, token constants, budget units and budgets.
 * The cost is recomputed here from the paper's formula, independently of src/cost and of the space.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { adjacency, reachesOutput, type Graph } from "../../src/graph/index.js";
import type { LoadedPool } from "../../src/models/pool.js";
import type { ModelSpec } from "../../src/models/spec.js";
import { resolvePool, resolveProviders, resolveTask } from "../../src/resolve.js";
import { parseSearchConfig } from "../../src/search/config.js";
import { ProbGraph } from "../../src/search/distribution.js";
import { Journal } from "../../src/search/events.js";
import { runSearch, type SearchSetup } from "../../src/search/harness.js";
import { checkDraft } from "../../src/search/records.js";
import { OPTIMIZER_NAMES } from "../../src/search/optimizers/index.js";
import { buildSearch } from "../../src/search/setup.js";
import { SearchSpace, type Genome } from "../../src/search/space.js";
import type { AgentChatRequest } from "../../src/search/types.js";
import { Rng } from "../../src/util/rng.js";

type Unit = "units" | "flops" | "usd" | "ms";

interface Spec {
  id: string;
  params: number;
  layers: number;
  hidden: number;
  pricing?: { inputPerMTok: number; outputPerMTok: number } | undefined;
  speed?: { prefillTokensPerSec: number; decodeTokensPerSec: number; overheadMs?: number | undefined } | undefined;
}

/** One call's FLOPs, DESIGN.md's formula. */
function flops(m: Spec, np: number, nd: number): number {
  const ld = m.layers * m.hidden;
  return 2 * m.params * np + 2 * ld * np * (np + 1) + 2 * m.params * nd + 2 * ld * nd * (2 * np + nd + 1);
}

/** A graph's a-priori cost in a unit: only nodes with a path to the output run; a node reads A + in-degree x B tokens. */
function cost(graph: Graph, models: ReadonlyMap<string, Spec>, A: number, B: number, unit: Unit, fixedUnitFlops?: number): number {
  const adj = adjacency(graph);
  const useful = reachesOutput(adj, graph.output);
  // A budget unit: the task's fixed unit, else one call of the pool's cheapest model.
  const unitFlops = fixedUnitFlops ?? Math.min(...[...models.values()].map((m) => flops(m, A, B)));
  let f = 0;
  let usd = 0;
  const finish = new Map<string, number>();
  const order = [...graph.nodes.keys()];
  // Longest path by relaxation (the graph is a DAG; |V| rounds suffice).
  const lat = graph.nodes.map((n, i) => {
    const m = models.get(n.model)!;
    const np = A + adj.preds[i]!.length * B;
    return m.speed ? (m.speed.overheadMs ?? 0) + (1000 * np) / m.speed.prefillTokensPerSec + (1000 * B) / m.speed.decodeTokensPerSec : NaN;
  });
  for (let round = 0; round < graph.nodes.length; round++) {
    for (const i of order) {
      if (!useful.has(graph.nodes[i]!.id)) continue;
      const start = Math.max(0, ...adj.preds[i]!.map((p) => finish.get(graph.nodes[p]!.id) ?? 0));
      finish.set(graph.nodes[i]!.id, start + lat[i]!);
    }
  }
  graph.nodes.forEach((n, i) => {
    if (!useful.has(n.id)) return;
    const m = models.get(n.model)!;
    const np = A + adj.preds[i]!.length * B;
    f += flops(m, np, B);
    usd += m.pricing ? (np * m.pricing.inputPerMTok + B * m.pricing.outputPerMTok) / 1e6 : NaN;
  });
  switch (unit) {
    case "flops":
      return f;
    case "units":
      return f / unitFlops;
    case "usd":
      return usd;
    case "ms":
      return Math.max(...finish.values());
  }
}

/** The cost of one model answering alone. */
function lone(m: Spec, models: ReadonlyMap<string, Spec>, A: number, B: number, unit: Unit, fixedUnitFlops?: number): number {
  return cost({ version: 1, nodes: [{ id: "o", model: m.id, role: "assistant" }], edges: [], output: "o" }, models, A, B, unit, fixedUnitFlops);
}

const within = (c: number, limit: number) => c <= limit * (1 + 1e-9);

const specArb: fc.Arbitrary<Omit<Spec, "id">> = fc.record({
  params: fc.double({ min: 0.3e9, max: 80e9, noNaN: true }),
  layers: fc.integer({ min: 4, max: 96 }),
  hidden: fc.integer({ min: 256, max: 12288 }),
  pricing: fc.record({ inputPerMTok: fc.double({ min: 0.01, max: 20, noNaN: true }), outputPerMTok: fc.double({ min: 0.01, max: 60, noNaN: true }) }),
  speed: fc.record({ prefillTokensPerSec: fc.double({ min: 50, max: 20000, noNaN: true }), decodeTokensPerSec: fc.double({ min: 5, max: 500, noNaN: true }), overheadMs: fc.double({ min: 0, max: 300, noNaN: true }) }),
});

/** A random space: pool, token constants, unit, a budget relative to the cheapest lone call, options. */
const worldArb = fc.record({
  specs: fc.array(specArb, { minLength: 1, maxLength: 4 }),
  A: fc.integer({ min: 10, max: 700 }),
  B: fc.integer({ min: 5, max: 600 }),
  unit: fc.constantFrom<Unit>("units", "flops", "usd", "ms"),
  factor: fc.double({ min: 0.5, max: 30, noNaN: true }),
  fuser: fc.boolean(),
  maxSlots: fc.integer({ min: 0, max: 12 }),
  repair: fc.constantFrom("drop-smallest" as const, "reject" as const),
  fixOutput: fc.option(fc.nat(), { nil: undefined }),
  seed: fc.nat(),
});

type World = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

function build(w: World) {
  const specs: Spec[] = w.specs.map((s, i) => ({ ...s, id: `m${i}` }));
  const models = new Map(specs.map((m) => [m.id, m]));
  const cheapest = Math.min(...specs.map((m) => lone(m, models, w.A, w.B, w.unit)));
  const limit = cheapest * w.factor;
  const outputModel = w.fixOutput === undefined ? undefined : specs[w.fixOutput % specs.length]!.id;
  const costModels = specs.map((m) => ({ ...m, family: "f" }));
  const make = () =>
    new SearchSpace(costModels, { tokens: { promptTokens: w.A, outputTokens: w.B, source: "test" } }, { limit, unit: w.unit }, { fuser: w.fuser, maxSlots: w.maxSlots, repair: w.repair, outputModel });
  return { specs, models, limit, outputModel, make };
}

const SEED = 20261123;

describe("the search space never yields a graph over the budget", () => {
  it("samples of the distribution and random genomes, repaired or rejected (property)", () => {
    let realised = 0;
    fc.assert(
      fc.property(worldArb, fc.double({ min: 0.05, max: 0.95, noNaN: true }), (w, edgeProb) => {
        const { specs, models, limit, outputModel, make } = build(w);
        let space: SearchSpace;
        try {
          space = make();
        } catch (err) {
          // Refused up front only when no graph fits: the (fixed or cheapest) output alone is over.
          expect(err).toBeInstanceOf(UserError);
          expect((err as UserError).code).toBe("budget_too_small");
          const candidates = outputModel ? [models.get(outputModel)!] : specs;
          for (const m of candidates) expect(within(lone(m, models, w.A, w.B, w.unit), limit)).toBe(false);
          return;
        }
        const rng = new Rng(w.seed, "budget-property");
        const dist = ProbGraph.init(space, { edgeProb });
        const genomes: Genome[] = [];
        for (let k = 0; k < 6; k++) genomes.push(dist.sample(rng));
        for (let k = 0; k < 6; k++) {
          // Anything at all: every slot on with any model, any edges, any roles.
          genomes.push({
            models: Array.from({ length: space.slots }, () => (rng.next() < 0.85 ? rng.pick([...space.models]) : null)),
            roles: Array.from({ length: space.slots }, () => rng.pick(["assistant", "fuser"] as const)),
            edges: Array.from({ length: space.edgeCount }, () => rng.next() < 0.6),
            toOut: Array.from({ length: space.slots }, () => rng.next() < 0.8),
            outModel: rng.pick([...space.outModels]),
            outRole: rng.pick(["assistant", "fuser"] as const),
          });
        }
        for (const g of genomes) {
          const r = space.realise(g, rng);
          if (r === null) {
            expect(space.repair).toBe("reject");
            continue;
          }
          realised++;
          const c = cost(r.graph, models, w.A, w.B, w.unit);
          expect(within(c, limit), `${c} > ${limit} ${w.unit}`).toBe(true);
          expect(checkDraft({ graph: r.graph, origin: "sample" }, space)).toBeUndefined();
          if (outputModel) expect(r.graph.nodes.find((n) => n.id === r.graph.output)!.model).toBe(outputModel);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
    expect(realised).toBeGreaterThan(300);
  });

  it("the harness's draft check lets no over-budget graph through, whatever an optimizer proposes (property)", () => {
    let accepted = 0;
    let refused = 0;
    const graphArb = fc.integer({ min: 1, max: 8 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        models: fc.array(fc.nat(), { minLength: n, maxLength: n }),
        roles: fc.array(fc.constantFrom("assistant" as const, "fuser" as const), { minLength: n, maxLength: n }),
        edges: fc.array(fc.boolean(), { minLength: (n * (n - 1)) / 2, maxLength: (n * (n - 1)) / 2 }),
      }),
    );
    fc.assert(
      fc.property(worldArb, graphArb, (w, g) => {
        const { specs, models, limit, make } = build(w);
        let space: SearchSpace;
        try {
          space = make();
        } catch {
          return;
        }
        const ids = Array.from({ length: g.n }, (_, i) => `v${i}`);
        const edges: [string, string][] = [];
        let k = 0;
        for (let i = 0; i < g.n; i++) for (let j = i + 1; j < g.n; j++) if (g.edges[k++]) edges.push([ids[i]!, ids[j]!]);
        const graph: Graph = {
          version: 1,
          nodes: ids.map((id, i) => ({ id, model: specs[g.models[i]! % specs.length]!.id, role: g.roles[i]! })),
          edges,
          output: ids[g.n - 1]!,
        };
        const problem = checkDraft({ graph, origin: "llm-edit" }, space);
        const c = cost(graph, models, w.A, w.B, w.unit);
        // The independent cost is the one the space computes.
        const theirs = space.check(graph).cost!;
        expect(Math.abs(c - theirs) / theirs).toBeLessThan(1e-9);
        if (problem === undefined) {
          accepted++;
          expect(within(c, limit)).toBe(true);
        } else {
          refused++;
          if (problem.startsWith("over budget")) expect(within(c, limit)).toBe(false);
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
    // Both sides of the check were exercised.
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});

describe("no optimizer gets a graph over the budget evaluated", () => {
  const mixed = resolvePool("sim:mixed");

  /** An LLM agent that keeps asking for graphs and updates far over any budget. */
  function greedyAgent(space: () => SearchSpace) {
    const biggest = [...mixed.pool.models].sort((a, b) => b.params - a.params)[0]!.id;
    const huge: Graph = {
      version: 1,
      nodes: [...Array.from({ length: 8 }, (_, i) => ({ id: `n${i}`, model: biggest, role: "assistant" as const })), { id: "o", model: biggest, role: "fuser" as const }],
      edges: Array.from({ length: 8 }, (_, i) => [`n${i}`, "o"] as [string, string]),
      output: "o",
    };
    return {
      model: "greedy",
      call: async (req: AgentChatRequest) => {
        const s = space();
        const first = req.messages.find((m) => m.role === "user")?.content ?? "";
        let text: string;
        if (first.startsWith("TASK: choose")) text = JSON.stringify({ multisets: ["m1"], rationale: "the first" });
        else if (first.startsWith("TASK CONTEXT"))
          text = JSON.stringify({
            feedback: "bigger everywhere",
            changes: Array.from({ length: s.slots }, (_, i) => [
              { op: "model", node: `w${i}`, model: s.models.at(-1) ?? biggest, delta: 2 },
              { op: "model", node: `w${i}`, model: "off", delta: -2 },
              { op: "edge", from: `w${i}`, to: "out", delta: 2 },
            ]).flat(),
          });
        else text = JSON.stringify({ feedback: "go big", graphs: [huge, huge] });
        return { text, promptTokens: 10, completionTokens: 10, latencyMs: 1 };
      },
    };
  }

  it("every optimizer, random pools, tasks, units and budgets (property)", async () => {
    let evaluated = 0;
    let refusedOverBudget = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...OPTIMIZER_NAMES),
        fc.constantFrom("sim:math", "sim:mmlu", "sim:humaneval"),
        fc.subarray(mixed.pool.models.map((m) => m.id), { minLength: 1 }),
        fc.constantFrom<Unit>("units", "flops", "usd", "ms"),
        fc.double({ min: 0.8, max: 40, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        async (optimizer, taskName, ids, unit, factor, seed) => {
          // Prices, which the simulated pool does not have, so dollar budgets can be checked too.
          const specs: ModelSpec[] = mixed.pool.models.filter((m) => ids.includes(m.id)).map((m) => ({ ...m, pricing: { inputPerMTok: m.params / 1e10, outputPerMTok: (3 * m.params) / 1e10 } }));
          const pool: LoadedPool = { ...mixed, pool: { ...mixed.pool, models: specs } };
          const task = resolveTask(taskName, {});
          const A = task.tokens.promptTokens;
          const B = task.tokens.outputTokens;
          const models = new Map<string, Spec>(specs.map((m) => [m.id, m]));
          const fixed = task.tokens.unitFlops;
          const limit = Math.min(...specs.map((m) => lone(m, models, A, B, unit, fixed))) * factor;
          const llm = optimizer === "textgrad" || optimizer === "maas" || seed % 2 === 0;
          // The agent's endpoint is never reached: the in-process agent below answers instead.
          const config = parseSearchConfig({ optimizer, task: taskName, budget: limit, budgetUnit: unit, seed, evals: 90, selection: { candidates: 1, items: 5 }, ...(llm ? { agent: "greedy", agentUrl: "http://127.0.0.1:9/v1" } : {}) });
          let setup: SearchSetup;
          try {
            setup = buildSearch(config, { task, pool, providers: resolveProviders(pool, { task }) });
          } catch (err) {
            // Refused up front only when not even the cheapest model alone fits.
            expect((err as UserError).code).toBe("budget_too_small");
            expect(factor).toBeLessThan(1 + 1e-9);
            return;
          }
          const space = setup.space;
          const seen: Graph[] = [];
          const inner = setup.evaluator;
          const recorded: SearchSetup = {
            ...setup,
            agent: llm ? greedyAgent(() => space) : undefined,
            evaluator: (graph, items, split) => {
              seen.push(graph);
              return inner(graph, items, split);
            },
          };
          const journal = new Journal();
          await runSearch(recorded, { sink: journal });
          refusedOverBudget += journal.ofType("proposal.rejected").filter((e) => e.reason.startsWith("over budget")).length;
          refusedOverBudget += journal.ofType("agent.rejected").filter((e) => e.issues.some((i) => i.code === "over_budget")).length;
          expect(seen.length).toBeGreaterThan(0);
          for (const g of seen) {
            const c = cost(g, models, A, B, unit, fixed);
            expect(within(c, limit), `${optimizer}: ${c} > ${limit} ${unit}`).toBe(true);
          }
          evaluated += seen.length;
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
    expect(evaluated).toBeGreaterThan(100);
    // The greedy agent's graphs and updates were asked for, and refused.
    expect(refusedOverBudget).toBeGreaterThan(0);
  });
});
