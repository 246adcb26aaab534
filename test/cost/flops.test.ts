import { describe, expect, it } from "vitest";
import { callFlops, checkBudget, PAPER_MODELS, PAPER_TASKS, paperReferenceModels, planCost, sumEntries, measuredEntry, unitFlopsFor } from "../../src/cost/index.js";
import type { Graph } from "../../src/graph/index.js";

function referenceGraph(b: number): Graph {
  const models = paperReferenceModels(b);
  const nodes = models.map((model, i) => ({ id: `n${i}`, role: "assistant" as const, model }));
  const edges: [string, string][] = [];
  for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) edges.push([nodes[i]!.id, nodes[j]!.id]);
  return { version: 1, nodes, edges, output: nodes[nodes.length - 1]!.id };
}

describe("the paper's FLOPs formula", () => {
  it("matches a hand computation", () => {
    // 1B, Np = 10, Nd = 5: prefill 2e9*10 + 2*16*2048*10*11; decode 2e9*5 + 2*16*2048*5*(20+5+1)
    const f = callFlops({ params: 1e9, layers: 16, hidden: 2048 }, 10, 5);
    expect(f.prefill).toBe(2e10 + 65536 * 110);
    expect(f.decode).toBe(1e10 + 65536 * 5 * 26);
  });

  it("equals the sum over tokens of 2M + 4LD·position", () => {
    const m = { params: 3e9, layers: 28, hidden: 3072 };
    const Np = 37;
    const Nd = 11;
    let pre = 0;
    for (let t = 1; t <= Np; t++) pre += 2 * m.params + 4 * m.layers * m.hidden * t;
    let dec = 0;
    for (let j = 1; j <= Nd; j++) dec += 2 * m.params + 4 * m.layers * m.hidden * (Np + j);
    const f = callFlops(m, Np, Nd);
    expect(f.prefill).toBeCloseTo(pre, -3);
    expect(f.decode).toBeCloseTo(dec, -3);
  });

  const vectors: [string, number, number][] = [
    ["math", 4, 17.753],
    ["math", 8, 42.866],
    ["math", 12, 78.978],
    ["mmlu", 4, 16.337],
    ["mmlu", 8, 38.512],
    ["mmlu", 12, 69.967],
    ["humaneval", 4, 14.151],
    ["humaneval", 8, 31.889],
    ["humaneval", 12, 56.394],
  ];
  it.each(vectors)("reproduces the paper's budget on %s for b = %i: %f units", (task, b, units) => {
    const plan = planCost(referenceGraph(b), { models: PAPER_MODELS, tokens: PAPER_TASKS[task]! });
    expect(plan.units.toFixed(3)).toBe(units.toFixed(3));
  });

  it("uses one call of the cheapest pool model as the unit when the task fixes none", () => {
    const tokens = { promptTokens: 202, outputTokens: 275 };
    const unit = unitFlopsFor({ models: PAPER_MODELS, tokens });
    expect(unit).toBe(callFlops(PAPER_MODELS.find((m) => m.id === "gemma-1b")!, 202, 275).total);
    const single: Graph = { version: 1, nodes: [{ id: "x", role: "assistant", model: "gemma-1b" }], edges: [], output: "x" };
    expect(planCost(single, { models: PAPER_MODELS, tokens }).units).toBeCloseTo(1, 12);
  });

  it("checks budgets in units, dollars and latency", () => {
    const models = PAPER_MODELS.map((m) => ({ ...m, pricing: { inputPerMTok: 0.1, outputPerMTok: 0.2 }, speed: { prefillTokensPerSec: 1000, decodeTokensPerSec: 100 } }));
    const plan = planCost(referenceGraph(4), { models, tokens: PAPER_TASKS.math! });
    expect(checkBudget(plan, { limit: 18, unit: "units" }).ok).toBe(true);
    expect(checkBudget(plan, { limit: 17, unit: "units" }).ok).toBe(false);
    expect(plan.dollars).toBeGreaterThan(0);
    // Five nodes in a chain-like DAG: the critical path runs through all of them.
    expect(plan.latencyMs).toBeCloseTo(plan.nodes.reduce((s, n) => s + n.latencyMs!, 0), 6);
    expect(checkBudget(planCost(referenceGraph(4), { models: PAPER_MODELS, tokens: PAPER_TASKS.math! }), { limit: 1, unit: "usd" }).reason).toMatch(/pricing/);
  });

  it("marks measured totals estimated when any call was", () => {
    const m = PAPER_MODELS[0]!;
    const t = sumEntries([measuredEntry(m, 100, 50, false, 10), measuredEntry(m, 100, 50, true, 10)]);
    expect(t.estimated).toBe(true);
    expect(t.estimatedCalls).toBe(1);
    expect(t.flops).toBe(2 * callFlops(m, 100, 50).total);
    expect(t.dollars).toBeUndefined();
  });
});
