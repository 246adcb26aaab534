/**
 * The fast ground-truth path against the real path: the executor rendering prompts and calling the
 * simulated provider through the Provider interface, extracting answers from text, grading, and
 * counting FLOPs from reported usage. They share the behaviour code, so they must agree item by item.
 */
import { describe, expect, it } from "vitest";
import { createExecContext, DEFAULT_SAMPLING, evaluate } from "../../src/exec/index.js";
import { loadGraphFile } from "../../src/graph/io.js";
import type { Graph } from "../../src/graph/schema.js";
import { resolvePool, resolveProviders, resolveTask } from "../../src/resolve.js";
import { compileGraph, DEFAULT_MAX_TOKENS, isSimTask, layeredGraph, randomGraph, runCompiled, RunScratch, type SimTask } from "../../src/sim/index.js";
import { NO_ANSWER } from "../../src/sim/world.js";
import { Rng } from "../../src/util/rng.js";

const task = resolveTask("sim:math") as SimTask;
const pool = resolvePool("sim:llama");

/** An executor context; with no `maxTokens`, the executor's default cap (the search's). */
function context(t: SimTask, maxTokens?: number) {
  return createExecContext({
    task: t,
    models: pool.pool.models,
    providers: resolveProviders(pool, { task: t }),
    concurrency: 32,
    ...(maxTokens !== undefined ? { sampling: { maxTokens } } : {}),
  });
}

const graphs: [string, Graph][] = [
  ["fan-in", loadGraphFile("examples/graphs/fan-in.json")],
  ["chain", loadGraphFile("examples/graphs/chain.json")],
  // Identical calls side by side: the sample index keeps them apart in both paths.
  ["3 x 2 layers of 1B", layeredGraph("llama-1b", 3, 2)],
  ["random 10 nodes", randomGraph(["llama-1b", "llama-1b", "llama-1b", "llama-1b", "llama-3b", "llama-3b", "llama-3b", "llama-8b", "llama-1b", "llama-3b"], new Rng(7, "agreement"), 0.3)],
];

describe("ground truth agrees with the executor and the provider", () => {
  expect(isSimTask(task)).toBe(true);

  it("the truth's default token cap is the executor's", () => {
    expect(DEFAULT_MAX_TOKENS).toBe(DEFAULT_SAMPLING.maxTokens);
  });

  const capped: [string, Graph, number | undefined][] = [
    ...graphs.map(([name, g]): [string, Graph, number | undefined] => [name, g, undefined]),
    // Outputs cut at a small cap lose their answer in both paths, and their successors read the cut text.
    ["chain, outputs cut at 300 tokens", graphs[1]![1], 300],
    ["random 10 nodes, outputs cut at 300 tokens", graphs[3]![1], 300],
  ];

  it.each(capped)("%s: same answers, correctness, tokens, FLOPs and latency on every item", async (_, graph, maxTokens) => {
    const items = task.items("test").slice(0, 120);
    const result = await evaluate(graph, items, context(task, maxTokens), { keepPrompts: false });
    expect(result.errored).toBe(0);
    const compiled = compileGraph(task.world, graph, { maxTokens });
    let agree = 0;
    let truncated = 0;
    items.forEach((item, k) => {
      const trace = result.traces[k]!;
      const fast = runCompiled(task.world, compiled, task.world.parseItemId(item.id)!);
      truncated += fast.truncated;
      expect(trace.correct).toBe(fast.correct);
      expect(trace.flops).toBeCloseTo(fast.flops, -3);
      expect(trace.latencyMs).toBeCloseTo(fast.latencyMs, 6);
      expect(trace.estimated).toBe(false);
      const same = fast.answer === NO_ANSWER ? trace.answer === null : trace.answer === task.world.answerString(task.world.item(task.world.parseItemId(item.id)!), fast.answer);
      if (same) agree++;
    });
    expect(agree).toBe(items.length);
    if (maxTokens !== undefined) expect(truncated).toBeGreaterThan(0);
  });

  it("the truth cuts outputs at the cap it is given, and counts the cut calls", () => {
    const graph = graphs[1]![1];
    const free = task.truth(graph, { items: 2000, maxTokens: 1_000_000 });
    const cut = task.truth(graph, { items: 2000, maxTokens: 300 });
    expect(free.truncatedCalls).toBe(0);
    expect(cut.truncatedCalls).toBeGreaterThan(0);
    expect(cut.maxTokens).toBe(300);
    expect(cut.accuracy).toBeLessThan(free.accuracy);
    expect(cut.meanFlops).toBeLessThan(free.meanFlops);
  });

  it("the executor's accuracy on test items is consistent with the truth over population items", async () => {
    const graph = graphs[3]![1];
    const items = task.items("test").slice(0, 400);
    const result = await evaluate(graph, items, context(task), { keepPrompts: false });
    const truth = task.truth(graph, { items: 20_000 });
    const se = Math.sqrt(truth.accuracy * (1 - truth.accuracy) * (1 / items.length + 1 / truth.items));
    expect(Math.abs(result.accuracy.rate - truth.accuracy)).toBeLessThan(3.5 * se);
    expect(result.meanFlops / truth.meanFlops).toBeGreaterThan(0.95);
    expect(result.meanFlops / truth.meanFlops).toBeLessThan(1.05);
  });
});

describe("determinism and common random numbers", () => {
  it("the same world seed, graph and item give the same trace", async () => {
    const graph = graphs[0]![1];
    const items = task.items("validation").slice(0, 40);
    const a = await evaluate(graph, items, context(task), { keepPrompts: false });
    const other = resolveTask("sim:math", { seed: 0 }) as SimTask;
    const b = await evaluate(graph, items, context(other), { keepPrompts: false });
    expect(b.traces.map((t) => t.nodes.map((n) => [n.text, n.promptTokens, n.completionTokens]))).toEqual(a.traces.map((t) => t.nodes.map((n) => [n.text, n.promptTokens, n.completionTokens])));
    const t1 = task.truth(graph, { items: 3000 });
    const t2 = other.truth(graph, { items: 3000 });
    expect(t2).toEqual(t1);
  });

  it("another world seed gives other numbers", () => {
    const graph = graphs[0]![1];
    const other = resolveTask("sim:math", { seed: 5 }) as SimTask;
    expect(other.truth(graph, { items: 3000 }).correct).not.toBe(task.truth(graph, { items: 3000 }).correct);
    // A truth seed picks an independent block of items in the same world.
    expect(task.truth(graph, { items: 3000, seed: 1 }).correct).not.toBe(task.truth(graph, { items: 3000 }).correct);
  });

  it("a call shared by two graphs gets the same draws in both", () => {
    // chain(2) is the first two calls of chain(3): their answers must coincide item by item.
    const c2 = compileGraph(task.world, layeredGraph("llama-3b", 1, 2));
    const c3 = compileGraph(task.world, layeredGraph("llama-3b", 1, 3));
    let same = 0;
    let changedLater = 0;
    for (let i = 0; i < 500; i++) {
      const a = runCompiled(task.world, c2, 1000 + i);
      const b = runCompiled(task.world, c3, 1000 + i);
      const atTwo = b.answer; // output of chain(3)
      if (a.answer === runCompiledNode(c3, 1000 + i, 1)) same++;
      if (atTwo !== a.answer) changedLater++;
    }
    expect(same).toBe(500);
    // The third call is a real call: it sometimes changes the answer.
    expect(changedLater).toBeGreaterThan(0);
  });
});

/** The answer code of the node at execution position `pos` of a compiled graph on an item. */
function runCompiledNode(g: ReturnType<typeof compileGraph>, item: number, pos: number): number {
  const scratch = new RunScratch(g.n);
  runCompiled(task.world, g, item, scratch);
  return scratch.code[pos]!;
}
