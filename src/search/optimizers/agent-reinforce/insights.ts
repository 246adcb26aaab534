/**
 * The paper's three insights, as the agents use them: text for the LLM agent's prompts, and the
 * same ideas as numbers for the rule agent.
 */

/** Insight 1, for initialisation. */
export const INIT_INSIGHTS = [
  "Tasks prefer specific model families and sizes: the best combination differs by task (e.g. several mid-size models collaborating on math, one larger model on knowledge questions).",
  "Too many weak models decrease performance: a weak model fed long contexts tends to corrupt correct answers, while stronger models tolerate longer contexts.",
  "Collaboration helps up to a point: replicating a strong enough model and aggregating its answers beats a single call, but more nodes stop paying off once each must be small.",
];

/** Insights 2 and 3, for updates. */
export const UPDATE_INSIGHTS = [
  "Width and depth have task-dependent optima: beyond them, adding parallel branches or refinement steps lowers accuracy.",
  "Width and depth are interdependent: wider graphs shift the best depth down, deeper graphs lower the best width.",
  "Larger models tolerate more incoming edges (longer context) and are harder to corrupt; put them where several answers meet.",
  "For nodes with several inputs, diverse predecessor models often beat one repeated model.",
  "Raise the probability of edges, roles and models used by the high-scoring graphs of this batch; lower those of the poor ones. Grow the graph outward from the output node.",
];

/**
 * Predicted accuracy of workers feeding an output model, from single-model probe accuracies: the
 * rule agent's reading of Insight 1. The output is right on its own with its probe accuracy p_o;
 * otherwise it can still pick up a correct answer from its inputs, with a probability that grows
 * with its own strength (p_o) and with the chance that some worker is right (copies of one model
 * err together, so each extra copy counts half). Many inputs make a long context, which costs,
 * more so for a weak output ("too many weak models hurt"; stronger models tolerate longer inputs).
 */
export function predictMultiset(workers: Readonly<Record<string, number>>, output: string, accuracy: (model: string) => number, fuse = false): number {
  const po = accuracy(output);
  let miss = 1;
  let n = 0;
  for (const [m, c] of Object.entries(workers)) {
    if (c <= 0) continue;
    n += c;
    miss *= Math.pow(1 - accuracy(m), 1 + 0.5 * (c - 1));
  }
  if (n === 0) return po;
  const overload = 0.015 * Math.max(0, n - 3) * (1 - po) + 0.01 * Math.max(0, n - 3);
  // A fuser picks among stronger answers: recognising a right one is easier than finding it.
  if (fuse) return (1 - miss) * ((1 + po) / 2) + miss * po * 0.5 - overload;
  const rescue = (1 - po) * po * (1 - miss);
  return po + rescue - overload;
}

/** The multiset prediction without insights: the mean member accuracy (knowledge of the models only). */
export function predictMultisetPlain(counts: Readonly<Record<string, number>>, accuracy: (model: string) => number): number {
  let s = 0;
  let n = 0;
  for (const [m, c] of Object.entries(counts)) {
    s += c * accuracy(m);
    n += c;
  }
  return n > 0 ? s / n : 0;
}

/**
 * Probe accuracies made consistent with model size within each family (a larger model of a family
 * is at least as accurate as a smaller one), by pooling adjacent violators weighted by probe items.
 * A handful of probe items often ranks models wrongly; what every practitioner knows about sizes
 * corrects most of that.
 */
export function sizeMonotone(probes: readonly { model: string; family: string; params: number; correct: number; items: number }[]): Map<string, { correct: number; items: number }> {
  const out = new Map<string, { correct: number; items: number }>();
  const families = new Map<string, typeof probes[number][]>();
  for (const p of probes) (families.get(p.family) ?? families.set(p.family, []).get(p.family)!).push(p);
  for (const list of families.values()) {
    const sorted = [...list].sort((a, b) => a.params - b.params);
    // Blocks of pooled (correct, items), each covering consecutive models.
    const blocks: { correct: number; items: number; models: string[] }[] = [];
    for (const p of sorted) {
      blocks.push({ correct: p.correct, items: p.items, models: [p.model] });
      while (blocks.length > 1) {
        const b = blocks[blocks.length - 1]!;
        const a = blocks[blocks.length - 2]!;
        if (a.correct / Math.max(1, a.items) <= b.correct / Math.max(1, b.items)) break;
        blocks.splice(blocks.length - 2, 2, { correct: a.correct + b.correct, items: a.items + b.items, models: [...a.models, ...b.models] });
      }
    }
    for (const b of blocks) {
      const n = b.models.length;
      for (const m of b.models) out.set(m, { correct: b.correct / n, items: b.items / n });
    }
  }
  return out;
}
