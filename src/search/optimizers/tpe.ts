/**
 * Bayesian optimisation with the Tree-structured Parzen Estimator over the same space, for
 * categorical and binary parameters, following Optuna's `TPESampler` defaults: 10 random startup
 * trials, gamma(n) = min(ceil(0.1 n), 25) observations in the "good" group, a uniform prior kernel
 * of weight 1, observation weights flat for the newest 25 and ramped for older ones, and the best
 * of 24 candidates drawn from l(x) by l(x) / g(x). Parameters are sampled independently, as
 * Optuna does by default.
 *
 * Parameters: each slot's model (off or a model), each slot's role, each forward edge, each edge
 * into the output, the output's model and role. A distinct graph is one observation, scored by all
 * the items it has been evaluated on.
 */
import type { Rng } from "../../util/rng.js";
import { ProbGraph } from "../distribution.js";
import type { Genome, SearchSpace } from "../space.js";
import type { AskBatch, AskRequest, EvalOutcome, OptimizerContext } from "../types.js";
import { BaseOptimizer, draftOf, sampleFeasible, usable } from "./common.js";

export interface TpeSettings {
  nStartupTrials: number;
  nEiCandidates: number;
  priorWeight: number;
  /** Most observations in the good group (Optuna: 25). */
  gammaCap: number;
}

export const OPTUNA_TPE_DEFAULTS: TpeSettings = { nStartupTrials: 10, nEiCandidates: 24, priorWeight: 1, gammaCap: 25 };

/** Optuna's default_gamma. */
export function defaultGamma(n: number, cap = 25): number {
  return Math.min(Math.ceil(0.1 * n), cap);
}

/** Optuna's default_weights: flat for n < 25, else a ramp from 1/n to 1 for the older ones and 1 for the newest 25. */
export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return Array(n).fill(1);
  const ramp = n - 25;
  const out: number[] = [];
  for (let i = 0; i < ramp; i++) out.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  return [...out, ...Array(25).fill(1)];
}

/** A Parzen estimator over one categorical parameter (Optuna's categorical kernels plus the prior). */
export class CategoricalParzen {
  /** kernels x choices, each row a distribution. */
  private readonly kernels: number[][];
  private readonly mix: number[];

  constructor(observed: readonly number[], choices: number, weights: readonly number[], priorWeight: number) {
    const n = observed.length;
    const nKernels = n + 1;
    this.kernels = [];
    for (let i = 0; i < nKernels; i++) {
      const row = Array<number>(choices).fill(priorWeight / nKernels);
      if (i < n) row[observed[i]!]! += 1;
      const s = row.reduce((a, b) => a + b, 0);
      this.kernels.push(row.map((x) => x / s));
    }
    const w = [...weights, priorWeight];
    const s = w.reduce((a, b) => a + b, 0);
    this.mix = w.map((x) => x / s);
  }

  sample(rng: Rng): number {
    const k = rng.weighted(this.mix);
    return rng.weighted(this.kernels[k]!);
  }

  logPdf(x: number): number {
    let p = 0;
    for (let k = 0; k < this.kernels.length; k++) p += this.mix[k]! * this.kernels[k]![x]!;
    return Math.log(p);
  }
}

/** The TPE parameters of a genome, as category indices. */
export function encodeGenome(space: SearchSpace, g: Genome): number[] {
  const v: number[] = [];
  for (let i = 0; i < space.slots; i++) v.push(g.models[i] === null ? 0 : space.models.indexOf(g.models[i]!) + 1);
  for (let i = 0; i < space.slots; i++) v.push(g.roles[i] === "fuser" ? 1 : 0);
  for (const e of g.edges) v.push(e ? 1 : 0);
  for (const e of g.toOut) v.push(e ? 1 : 0);
  v.push(Math.max(0, space.outModels.indexOf(g.outModel)));
  v.push(g.outRole === "fuser" ? 1 : 0);
  return v;
}

/** Number of choices of each TPE parameter. */
export function parameterSizes(space: SearchSpace): number[] {
  return [
    ...Array(space.slots).fill(space.models.length + 1),
    ...Array(space.slots).fill(space.fuser ? 2 : 1),
    ...Array(space.edgeCount).fill(2),
    ...Array(space.slots).fill(2),
    space.outModels.length,
    space.fuser ? 2 : 1,
  ];
}

export function decodeGenome(space: SearchSpace, v: readonly number[]): Genome {
  const n = space.slots;
  let k = 0;
  const models = Array.from({ length: n }, () => {
    const c = v[k++]!;
    return c === 0 ? null : space.models[c - 1]!;
  });
  const roles = Array.from({ length: n }, () => (v[k++] === 1 ? ("fuser" as const) : ("assistant" as const)));
  const edges = Array.from({ length: space.edgeCount }, () => v[k++] === 1);
  const toOut = Array.from({ length: n }, () => v[k++] === 1);
  const outModel = space.outModels[v[k++]!]!;
  const outRole = v[k++] === 1 ? ("fuser" as const) : ("assistant" as const);
  return { models, roles, edges, toOut, outModel, outRole };
}

export class Tpe extends BaseOptimizer {
  readonly name = "tpe";
  readonly defaults = { samples: 1, batch: 8 };
  private readonly settings: TpeSettings;
  /** One observation per distinct graph, in the order first seen: its parameters and latest score. */
  private readonly obs = new Map<string, { x: number[]; value: number; order: number }>();
  private readonly sizes: number[];
  private readonly startup: ProbGraph;

  constructor(ctx: OptimizerContext) {
    super(ctx);
    this.settings = {
      nStartupTrials: Number(ctx.options.nStartupTrials ?? OPTUNA_TPE_DEFAULTS.nStartupTrials),
      nEiCandidates: Number(ctx.options.nEiCandidates ?? OPTUNA_TPE_DEFAULTS.nEiCandidates),
      priorWeight: Number(ctx.options.priorWeight ?? OPTUNA_TPE_DEFAULTS.priorWeight),
      gammaCap: OPTUNA_TPE_DEFAULTS.gammaCap,
    };
    this.sizes = parameterSizes(ctx.space);
    // Startup trials are Optuna's independent random sampling: uniform over every parameter.
    this.startup = ProbGraph.init(ctx.space, { edgeProb: 0.5 });
  }

  async ask(req: AskRequest): Promise<AskBatch> {
    const rng = this.rng(req.iteration, "tpe");
    const proposals = [];
    for (let k = 0; k < req.samples; k++) {
      if (this.obs.size < this.settings.nStartupTrials) {
        proposals.push(draftOf(sampleFeasible(this.startup, rng), "startup"));
        continue;
      }
      const g = decodeGenome(this.ctx.space, this.suggest(rng));
      const r = this.ctx.space.realise(g, rng) ?? sampleFeasible(this.startup, rng);
      proposals.push(draftOf(r, "tpe"));
    }
    return { proposals };
  }

  /** One TPE suggestion: each parameter independently, best of n_ei_candidates by log l - log g. */
  private suggest(rng: Rng): number[] {
    const all = [...this.obs.values()].sort((a, b) => a.order - b.order);
    const n = all.length;
    const nBelow = defaultGamma(n, this.settings.gammaCap);
    // Optuna splits by value (best first, maximising); ties keep trial order.
    const ranked = all.map((o, i) => ({ o, i })).sort((a, b) => b.o.value - a.o.value || a.i - b.i);
    const belowIdx = new Set(ranked.slice(0, nBelow).map((r) => r.i));
    const below = all.filter((_, i) => belowIdx.has(i));
    const above = all.filter((_, i) => !belowIdx.has(i));
    const wBelow = defaultWeights(below.length);
    const wAbove = defaultWeights(above.length);
    return this.sizes.map((choices, p) => {
      if (choices <= 1) return 0;
      const l = new CategoricalParzen(below.map((o) => o.x[p]!), choices, wBelow, this.settings.priorWeight);
      const g = new CategoricalParzen(above.map((o) => o.x[p]!), choices, wAbove, this.settings.priorWeight);
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < this.settings.nEiCandidates; c++) {
        const x = l.sample(rng);
        const s = l.logPdf(x) - g.logPdf(x);
        if (s > bestScore) {
          bestScore = s;
          best = x;
        }
      }
      return best;
    });
  }

  protected observe(results: EvalOutcome[]): void {
    for (const r of usable(results)) {
      if (!r.proposal.genome) continue;
      const prev = this.obs.get(r.proposal.hash);
      const value = Number.isFinite(r.total.utility) ? r.total.utility : r.batch.utility;
      this.obs.set(r.proposal.hash, { x: encodeGenome(this.ctx.space, r.proposal.genome), value, order: prev?.order ?? this.obs.size });
    }
  }

  snapshot(): unknown {
    return { observations: this.obs.size };
  }
}
