import { describe, expect, it } from "vitest";
import { PAPER_MODELS, PAPER_TASKS } from "../../src/cost/paper.js";
import { ProbGraph } from "../../src/search/distribution.js";
import { CategoricalParzen, decodeGenome, defaultGamma, defaultWeights, encodeGenome, OPTUNA_TPE_DEFAULTS, parameterSizes } from "../../src/search/optimizers/tpe.js";
import { SearchSpace } from "../../src/search/space.js";
import { Rng } from "../../src/util/rng.js";

describe("TPE (Optuna's defaults)", () => {
  it("uses Optuna's settings and its gamma and weight functions", () => {
    expect(OPTUNA_TPE_DEFAULTS).toEqual({ nStartupTrials: 10, nEiCandidates: 24, priorWeight: 1, gammaCap: 25 });
    expect([defaultGamma(1), defaultGamma(10), defaultGamma(11), defaultGamma(249), defaultGamma(1000)]).toEqual([1, 1, 2, 25, 25]);
    expect(defaultWeights(24)).toEqual(Array(24).fill(1));
    // numpy.linspace(1/30, 1, 5) followed by 25 ones.
    const w = defaultWeights(30);
    expect(w).toHaveLength(30);
    [1 / 30, 0.275, 0.5166667, 0.7583333, 1].forEach((x, i) => expect(w[i]).toBeCloseTo(x, 6));
    expect(w.slice(5)).toEqual(Array(25).fill(1));
  });

  it("builds Optuna's categorical Parzen estimator: one kernel per observation plus a uniform prior", () => {
    const p = new CategoricalParzen([0, 0, 1], 3, [1, 1, 1], 1);
    // Observation kernels put 1 + 1/4 on the observed choice and 1/4 elsewhere, normalised; the prior is uniform.
    const k0 = [1.25 / 1.75, 0.25 / 1.75, 0.25 / 1.75];
    const k1 = [0.25 / 1.75, 1.25 / 1.75, 0.25 / 1.75];
    const expected = [0, 1, 2].map((x) => (2 * k0[x]! + k1[x]! + 1 / 3) / 4);
    [0, 1, 2].forEach((x) => expect(Math.exp(p.logPdf(x))).toBeCloseTo(expected[x]!, 10));
    const rng = new Rng(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[p.sample(rng)]!++;
    counts.forEach((c, x) => expect(c / 20000).toBeCloseTo(expected[x]!, 1));
  });

  it("encodes every parameter of the space and decodes it back", () => {
    const space = new SearchSpace(PAPER_MODELS.filter((m) => m.family === "llama"), { tokens: PAPER_TASKS.math! }, { limit: 18, unit: "units" });
    const g = ProbGraph.init(space).sample(new Rng(3));
    const v = encodeGenome(space, g);
    expect(v).toHaveLength(parameterSizes(space).length);
    v.forEach((x, i) => expect(x).toBeLessThan(parameterSizes(space)[i]!));
    expect(decodeGenome(space, v)).toEqual(g);
  });
});
