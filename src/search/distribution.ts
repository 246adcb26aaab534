/**
 * The probabilistic graph: a distribution over the search space with categorical logits for each
 * slot's model (column 0 is "off", so the model multiset and the node count are part of it), for
 * each slot's role and for the output node's model and role, and Bernoulli logits for every forward
 * edge and every edge into the output. It samples genomes, gives their log-probability and its
 * gradient, and is updated either numerically (policy gradient) or by bounded changes an agent
 * proposes.
 */
import type { Role } from "../graph/schema.js";
import type { Rng } from "../util/rng.js";
import type { Genome, SearchSpace } from "./space.js";

export const ROLES: readonly Role[] = ["assistant", "fuser"];

/** The distribution's parameters as plain data (what `optimizer.updated` events carry). */
export interface ProbGraphParams {
  /** slots x (1 + models): logit of "off", then one per worker model of the space. */
  slotModel: number[][];
  /** slots x 2: assistant, fuser. */
  slotRole: number[][];
  /** Forward edges i -> j, upper-triangular. */
  edge: number[];
  /** Edges into the output. */
  toOut: number[];
  /** One logit per output model of the space (a single 0 when fixed). */
  outModel: number[];
  /** assistant, fuser. */
  outRole: number[];
}

/** Logits are kept in this range so no choice becomes impossible and no update explodes. */
export const LOGIT_LIMIT = 8;

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}

export function softmax(xs: readonly number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function logSoftmaxAt(xs: readonly number[], k: number): number {
  const m = Math.max(...xs);
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return xs[k]! - m - Math.log(s);
}

function logSigmoid(x: number, on: boolean): number {
  // log sigma(x) = -log(1 + e^-x), computed stably on both sides.
  const z = on ? x : -x;
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

function clampLogit(x: number): number {
  return Math.max(-LOGIT_LIMIT, Math.min(LOGIT_LIMIT, x));
}

/** Options for a fresh distribution. */
export interface InitOptions {
  /** Probability of each edge (forward and into the output). Default 0.5. */
  edgeProb?: number | undefined;
  /** Probability of each edge into the output; defaults to `edgeProb`. */
  outEdgeProb?: number | undefined;
  /** Probability that a slot is off. Default: uniform over off and the models. */
  offProb?: number | undefined;
  /** Probability of the fuser role where it is allowed. Default 0.5. */
  fuserProb?: number | undefined;
}

export class ProbGraph {
  readonly space: SearchSpace;
  params: ProbGraphParams;

  constructor(space: SearchSpace, params: ProbGraphParams) {
    this.space = space;
    this.params = params;
  }

  /** A distribution with the given marginals and no preference among models. */
  static init(space: SearchSpace, options: InitOptions = {}): ProbGraph {
    const m = space.models.length;
    const off = options.offProb;
    const offLogit = off === undefined ? 0 : m === 0 ? 0 : Math.log(off / ((1 - off) / m));
    const fuser = space.fuser ? logit(options.fuserProb ?? 0.5) : -LOGIT_LIMIT;
    const edge = logit(options.edgeProb ?? 0.5);
    const toOut = logit(options.outEdgeProb ?? options.edgeProb ?? 0.5);
    return new ProbGraph(space, {
      slotModel: Array.from({ length: space.slots }, () => [clampLogit(offLogit), ...Array(m).fill(0)]),
      slotRole: Array.from({ length: space.slots }, () => [0, clampLogit(fuser)]),
      edge: Array(space.edgeCount).fill(clampLogit(edge)),
      toOut: Array(space.slots).fill(clampLogit(toOut)),
      outModel: Array(space.outModels.length).fill(0),
      outRole: [0, clampLogit(fuser)],
    });
  }

  /**
   * The neutral starting point every numeric baseline shares: uniform models, even roles, edges at
   * the given probability, and "off" weighted so the expected graph roughly fills the budget.
   */
  static neutral(space: SearchSpace, edgeProb = 0.5): ProbGraph {
    if (space.slots === 0) return ProbGraph.init(space, { edgeProb });
    // Expected active slots ~ the number of mid-sized workers the budget holds in a fan-in.
    const target = Math.max(1, Math.min(space.slots, Math.round(space.slots / 2)));
    const offProb = 1 - target / space.slots;
    return ProbGraph.init(space, { edgeProb, offProb: Math.max(0.05, Math.min(0.95, offProb)) });
  }

  clone(): ProbGraph {
    return new ProbGraph(this.space, structuredClone(this.params));
  }

  /** Draw a genome (not yet normalised or fitted to the budget). */
  sample(rng: Rng): Genome {
    const s = this.space;
    const p = this.params;
    const models = p.slotModel.map((row) => {
      const k = rng.weighted(softmax(row));
      return k === 0 ? null : s.models[k - 1]!;
    });
    const roles = p.slotRole.map((row) => ROLES[rng.weighted(softmax(row))]!);
    const edges = p.edge.map((l) => rng.bernoulli(sigmoid(l)));
    const toOut = p.toOut.map((l) => rng.bernoulli(sigmoid(l)));
    const outModel = s.outModels[rng.weighted(softmax(p.outModel))]!;
    const outRole = ROLES[rng.weighted(softmax(p.outRole))]!;
    return { models, roles, edges, toOut, outModel, outRole };
  }

  /** The most likely genome, factor by factor. */
  mode(): Genome {
    const s = this.space;
    const p = this.params;
    const argmax = (xs: readonly number[]) => xs.reduce((best, x, i) => (x > xs[best]! ? i : best), 0);
    return {
      models: p.slotModel.map((row) => {
        const k = argmax(row);
        return k === 0 ? null : s.models[k - 1]!;
      }),
      roles: p.slotRole.map((row) => ROLES[argmax(row)]!),
      edges: p.edge.map((l) => l > 0),
      toOut: p.toOut.map((l) => l > 0),
      outModel: s.outModels[argmax(p.outModel)]!,
      outRole: ROLES[argmax(p.outRole)]!,
    };
  }

  /**
   * Which factors of a normalised genome were decided by sampling: every slot's model; roles of
   * running slots; edges between running slots; edges of running slots into the output.
   */
  private relevant(g: Genome): { role: boolean[]; edge: boolean[]; toOut: boolean[] } {
    const s = this.space;
    const on = g.models.map((m) => m !== null);
    const edge = Array<boolean>(s.edgeCount).fill(false);
    for (let i = 0; i < s.slots; i++) for (let j = i + 1; j < s.slots; j++) edge[s.edgeIndex(i, j)] = on[i]! && on[j]!;
    return { role: on, edge, toOut: on };
  }

  /** Log-probability of a normalised genome under the factors that decided it. */
  logProb(g: Genome): number {
    const s = this.space;
    const p = this.params;
    const rel = this.relevant(g);
    let lp = 0;
    g.models.forEach((m, i) => (lp += logSoftmaxAt(p.slotModel[i]!, m === null ? 0 : s.models.indexOf(m) + 1)));
    g.roles.forEach((r, i) => {
      if (rel.role[i]) lp += logSoftmaxAt(p.slotRole[i]!, ROLES.indexOf(r));
    });
    g.edges.forEach((e, k) => {
      if (rel.edge[k]) lp += logSigmoid(p.edge[k]!, e);
    });
    g.toOut.forEach((e, i) => {
      if (rel.toOut[i]) lp += logSigmoid(p.toOut[i]!, e);
    });
    lp += logSoftmaxAt(p.outModel, Math.max(0, s.outModels.indexOf(g.outModel)));
    lp += logSoftmaxAt(p.outRole, ROLES.indexOf(g.outRole));
    return lp;
  }

  /** Gradient of {@link logProb} with respect to every logit (zero where a factor was not used). */
  gradLogProb(g: Genome): ProbGraphParams {
    const s = this.space;
    const p = this.params;
    const rel = this.relevant(g);
    const catGrad = (row: readonly number[], k: number) => softmax(row).map((q, j) => (j === k ? 1 : 0) - q);
    return {
      slotModel: p.slotModel.map((row, i) => catGrad(row, g.models[i] === null ? 0 : s.models.indexOf(g.models[i]!) + 1)),
      slotRole: p.slotRole.map((row, i) => (rel.role[i] && s.fuser ? catGrad(row, ROLES.indexOf(g.roles[i]!)) : row.map(() => 0))),
      edge: p.edge.map((l, k) => (rel.edge[k] ? (g.edges[k] ? 1 : 0) - sigmoid(l) : 0)),
      toOut: p.toOut.map((l, i) => (rel.toOut[i] ? (g.toOut[i] ? 1 : 0) - sigmoid(l) : 0)),
      outModel: s.outputFixed ? p.outModel.map(() => 0) : catGrad(p.outModel, s.outModels.indexOf(g.outModel)),
      outRole: s.fuser ? catGrad(p.outRole, ROLES.indexOf(g.outRole)) : [0, 0],
    };
  }

  /** Add `scale * delta` to the parameters, keeping every logit in range. */
  add(delta: ProbGraphParams, scale = 1): void {
    const v = flattenParams(this.params);
    const d = flattenParams(delta);
    this.params = unflattenParams(
      v.map((x, i) => clampLogit(x + scale * d[i]!)),
      this.params,
    );
    if (!this.space.fuser) this.forbidFusers();
  }

  /** Keep the fuser logits at the floor when the space has no fuser role. */
  forbidFusers(): void {
    for (const row of this.params.slotRole) row[1] = -LOGIT_LIMIT;
    this.params.outRole[1] = -LOGIT_LIMIT;
  }

  /** Marginal probabilities, for prompts and reports. */
  probabilities(): {
    slotModel: Record<string, number>[];
    slotFuser: number[];
    edge: { from: number; to: number; p: number }[];
    toOut: number[];
    outModel: Record<string, number>;
    outFuser: number;
  } {
    const s = this.space;
    const p = this.params;
    return {
      slotModel: p.slotModel.map((row) => {
        const q = softmax(row);
        return Object.fromEntries([["off", q[0]!], ...s.models.map((m, j) => [m, q[j + 1]!] as const)]);
      }),
      slotFuser: p.slotRole.map((row) => softmax(row)[1]!),
      edge: p.edge.map((l, k) => {
        const [from, to] = s.edgePair(k);
        return { from, to, p: sigmoid(l) };
      }),
      toOut: p.toOut.map(sigmoid),
      outModel: Object.fromEntries(s.outModels.map((m, j) => [m, softmax(p.outModel)[j]!])),
      outFuser: softmax(p.outRole)[1]!,
    };
  }

  /** Shift logits so the given genome becomes (much) more likely: `strength` logits per factor. */
  centreOn(g: Genome, strength: number): void {
    const s = this.space;
    const p = this.params;
    g.models.forEach((m, i) => {
      const k = m === null ? 0 : s.models.indexOf(m) + 1;
      p.slotModel[i] = p.slotModel[i]!.map((x, j) => clampLogit(j === k ? x + strength : x));
    });
    g.roles.forEach((r, i) => {
      if (g.models[i] === null || !s.fuser) return;
      const k = ROLES.indexOf(r);
      p.slotRole[i] = p.slotRole[i]!.map((x, j) => clampLogit(j === k ? x + strength / 2 : x - strength / 2));
    });
    g.edges.forEach((e, k) => {
      const [i, j] = s.edgePair(k);
      if (g.models[i] !== null && g.models[j] !== null) p.edge[k] = clampLogit(p.edge[k]! + (e ? strength : -strength));
    });
    g.toOut.forEach((e, i) => {
      if (g.models[i] !== null) p.toOut[i] = clampLogit(p.toOut[i]! + (e ? strength : -strength));
    });
    if (!s.outputFixed) p.outModel = p.outModel.map((x, j) => clampLogit(j === s.outModels.indexOf(g.outModel) ? x + strength : x));
    if (s.fuser) {
      const k = ROLES.indexOf(g.outRole);
      p.outRole = p.outRole.map((x, j) => clampLogit(j === k ? x + strength / 2 : x - strength / 2));
    }
  }
}

/** All logits as one vector, in a fixed order (for Adam and for hashing). */
export function flattenParams(p: ProbGraphParams): number[] {
  return [...p.slotModel.flat(), ...p.slotRole.flat(), ...p.edge, ...p.toOut, ...p.outModel, ...p.outRole];
}

/** Inverse of {@link flattenParams}, shaped like `shape`. */
export function unflattenParams(v: readonly number[], shape: ProbGraphParams): ProbGraphParams {
  let k = 0;
  const take = (n: number) => {
    const out = v.slice(k, k + n);
    k += n;
    return out;
  };
  return {
    slotModel: shape.slotModel.map((row) => take(row.length)),
    slotRole: shape.slotRole.map((row) => take(row.length)),
    edge: take(shape.edge.length),
    toOut: take(shape.toOut.length),
    outModel: take(shape.outModel.length),
    outRole: take(shape.outRole.length),
  };
}

/** Adam on a flat parameter vector (maximising: `step` moves along the gradient). */
export class Adam {
  private m: number[];
  private v: number[];
  private t = 0;

  constructor(
    size: number,
    readonly lr = 0.1,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = Array(size).fill(0);
    this.v = Array(size).fill(0);
  }

  /** The ascent step for a gradient. */
  step(grad: readonly number[]): number[] {
    this.t++;
    const out = Array<number>(grad.length);
    for (let i = 0; i < grad.length; i++) {
      const g = grad[i]!;
      this.m[i] = this.beta1 * this.m[i]! + (1 - this.beta1) * g;
      this.v[i] = this.beta2 * this.v[i]! + (1 - this.beta2) * g * g;
      const mh = this.m[i]! / (1 - this.beta1 ** this.t);
      const vh = this.v[i]! / (1 - this.beta2 ** this.t);
      out[i] = (this.lr * mh) / (Math.sqrt(vh) + this.eps);
    }
    return out;
  }

  state(): { t: number; m: number[]; v: number[] } {
    return { t: this.t, m: this.m.slice(), v: this.v.slice() };
  }
}
