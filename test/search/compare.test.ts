import { describe, expect, it } from "vitest";
import { parseSearchConfig } from "../../src/search/config.js";
import { runCompare, seedConfig } from "../../src/search/compare.js";
import type { SearchEvent } from "../../src/search/events.js";
import { resolvePool, resolveProviders, resolveTask } from "../../src/resolve.js";
import type { ResolvedParts } from "../../src/search/setup.js";

function partsOf(config: ReturnType<typeof parseSearchConfig>): ResolvedParts {
  const task = resolveTask(config.task, { splits: config.splits });
  const pool = resolvePool(config.pool);
  return { task, pool, providers: resolveProviders(pool, { task }) };
}

describe("runCompare", () => {
  it("gives each seed its own items (split seed moved by the seed), while ground truth scores every run alike", async () => {
    const base = parseSearchConfig({ task: "sim:math", pool: "sim:llama", budget: 18, evals: 300, splits: { seed: 5 } });
    expect(seedConfig(base, "random", 0).splits?.seed).toBe(5);
    expect(seedConfig(base, "random", 2).splits?.seed).toBe(7);
    const searched = new Map<number, Set<string>>();
    const result = await runCompare({
      optimizers: ["random"],
      seeds: 2,
      base,
      parts: partsOf(seedConfig(base, "random", 0)),
      partsFor: (seed) => partsOf(seedConfig(base, "random", seed)),
      truthItems: 500,
      sinkFor: (_, seed) => ({
        onEvent(e: SearchEvent) {
          if (e.type !== "iteration.started" || e.split !== "search") return;
          const s = searched.get(seed) ?? new Set<string>();
          for (const id of e.items) s.add(id);
          searched.set(seed, s);
        },
      }),
    });
    expect(result.runs).toHaveLength(2);
    // Item ids name a place in the split; the items behind them (drawn difficulty, answer) are the seed's world's.
    const q = (seed: number, id: string) => partsOf(seedConfig(base, "random", seed)).task.items("search").find((i) => i.id === id)!.answer;
    const shared = [...searched.get(0)!].filter((id) => searched.get(1)!.has(id));
    expect(shared.length).toBeGreaterThan(0);
    expect(shared.filter((id) => q(0, id) !== q(1, id)).length).toBeGreaterThan(shared.length / 2);
    // Every run is scored by the first seed's ground truth, whichever seed chose its graph.
    const truth = partsOf(seedConfig(base, "random", 0)).task.truth!;
    for (const run of result.runs) expect(run.accuracy).toBe(truth(run.graph, { items: 500 }).accuracy);
  });
});
