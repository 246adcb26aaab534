import { describe, expect, it } from "vitest";
import { PAPER_MODELS, PAPER_TASKS } from "../../src/cost/paper.js";
import { Adam, flattenParams, LOGIT_LIMIT, ProbGraph, softmax, unflattenParams } from "../../src/search/distribution.js";
import { SearchSpace } from "../../src/search/space.js";
import { Rng } from "../../src/util/rng.js";

const llama = PAPER_MODELS.filter((m) => m.family === "llama");
const space = new SearchSpace(llama, { tokens: PAPER_TASKS.math! }, { limit: 18, unit: "units" }, { maxSlots: 5 });

function randomised(seed: number): ProbGraph {
  const d = ProbGraph.init(space);
  const rng = new Rng(seed, "params");
  d.params = unflattenParams(
    flattenParams(d.params).map(() => rng.normal()),
    d.params,
  );
  return d;
}

describe("probabilistic graph", () => {
  it("samples reproducibly from a seeded stream", () => {
    const d = randomised(1);
    const a = Array.from({ length: 5 }, (_, i) => d.sample(new Rng(7, i)));
    const b = Array.from({ length: 5 }, (_, i) => d.sample(new Rng(7, i)));
    expect(a).toEqual(b);
    expect(d.sample(new Rng(8, 0))).not.toEqual(a[0]);
  });

  it("gives the exact gradient of the log-probability (finite differences)", () => {
    const d = randomised(2);
    const g = space.normalise(d.sample(new Rng(3)));
    const grad = flattenParams(d.gradLogProb(g));
    const base = flattenParams(d.params);
    const h = 1e-5;
    for (let i = 0; i < base.length; i += 3) {
      const plus = d.clone();
      const minus = d.clone();
      plus.params = unflattenParams(base.map((x, j) => (j === i ? x + h : x)), d.params);
      minus.params = unflattenParams(base.map((x, j) => (j === i ? x - h : x)), d.params);
      const numeric = (plus.logProb(g) - minus.logProb(g)) / (2 * h);
      expect(grad[i]).toBeCloseTo(numeric, 5);
    }
  });

  it("matches sampling frequencies to its probabilities", () => {
    const d = ProbGraph.init(space, { edgeProb: 0.2, offProb: 0.5 });
    const rng = new Rng(11);
    let edges = 0;
    let off = 0;
    const n = 4000;
    for (let k = 0; k < n; k++) {
      const g = d.sample(rng);
      edges += g.edges.filter(Boolean).length;
      off += g.models.filter((m) => m === null).length;
    }
    expect(edges / (n * space.edgeCount)).toBeCloseTo(0.2, 1);
    expect(off / (n * space.slots)).toBeCloseTo(0.5, 1);
  });

  it("keeps logits in range when updated, and an Adam step moves along the gradient", () => {
    const d = ProbGraph.init(space);
    const big = unflattenParams(
      flattenParams(d.params).map(() => 100),
      d.params,
    );
    d.add(big);
    expect(Math.max(...flattenParams(d.params))).toBe(LOGIT_LIMIT);
    const adam = new Adam(3, 0.1);
    const step = adam.step([1, -2, 0]);
    expect(step[0]).toBeCloseTo(0.1, 6);
    expect(step[1]).toBeCloseTo(-0.1, 6);
    expect(step[2]).toBe(0);
  });

  it("centres on a genome so that it becomes the mode", () => {
    const d = ProbGraph.init(space);
    const g = space.normalise(d.sample(new Rng(5)));
    d.centreOn(g, 4);
    expect(space.normalise(d.mode())).toEqual(g);
    expect(softmax([0, 0])).toEqual([0.5, 0.5]);
  });
});
