/** The harness's evaluator built from the executor: a graph on a batch of items, as compact outcomes. */
import { evaluate, type ExecContext } from "../exec/index.js";
import type { Trace } from "../exec/types.js";
import type { Graph } from "../graph/schema.js";
import type { TaskItem } from "../tasks/types.js";
import type { Evaluator } from "./harness.js";
import type { ItemOutcome } from "./types.js";

/** The compact outcome of one trace. */
export function outcomeOf(t: Trace): ItemOutcome {
  const retries = t.nodes.reduce((s, n) => s + Math.max(0, n.attempts - 1), 0);
  return {
    itemId: t.itemId,
    correct: t.errored ? null : t.correct,
    errored: t.errored,
    flops: t.flops,
    latencyMs: t.latencyMs,
    dollars: t.dollars,
    calls: t.nodes.length,
    ...(retries > 0 ? { retries } : {}),
    ...(t.unreadable ? { unreadable: true as const } : {}),
    ...(t.error ? { error: `${t.error.code}: ${t.error.message}`.slice(0, 300) } : {}),
  };
}

/** Evaluate through the executor (providers, cache and concurrency limit of `ctx`). */
export function executorEvaluator(ctx: ExecContext): Evaluator {
  return async (graph: Graph, items: TaskItem[]) => {
    const r = await evaluate(graph, items, ctx, { keepPrompts: false, keepText: false });
    return r.traces.map(outcomeOf);
  };
}
