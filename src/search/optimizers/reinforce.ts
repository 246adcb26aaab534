/**
 * GPTSwarm-style REINFORCE: the numeric policy gradient on the probabilistic graph's logits (models,
 * roles, edges), with a moving-average baseline and Adam at learning rate 0.1, as in GPTSwarm. Its
 * own final graph is the distribution's mode, fitted to the budget.
 */
import { Adam, flattenParams, ProbGraph, unflattenParams } from "../distribution.js";
import type { Genome } from "../space.js";
import type { AskBatch, AskRequest, EvalOutcome, OptimizerContext, ProposalDraft } from "../types.js";
import { BaseOptimizer, draftOf, sampleFeasible, usable } from "./common.js";

export interface ReinforceOptions {
  lr: number;
  /** Weight of the newest batch in the moving-average baseline. */
  baselineRate: number;
  edgeProb: number;
}

/** One REINFORCE step on `dist` from scored genomes; returns the new baseline. */
export function policyGradientStep(dist: ProbGraph, adam: Adam, scored: { genome: Genome; utility: number }[], baseline: number | undefined, baselineRate: number): number | undefined {
  if (scored.length === 0) return baseline;
  const meanU = scored.reduce((s, x) => s + x.utility, 0) / scored.length;
  const b = baseline ?? meanU;
  const size = flattenParams(dist.params).length;
  const grad = Array<number>(size).fill(0);
  for (const { genome, utility } of scored) {
    const g = flattenParams(dist.gradLogProb(genome));
    const a = utility - b;
    for (let i = 0; i < size; i++) grad[i]! += (a * g[i]!) / scored.length;
  }
  dist.add(unflattenParams(adam.step(grad), dist.params));
  return (1 - baselineRate) * b + baselineRate * meanU;
}

export class Reinforce extends BaseOptimizer {
  readonly name: string = "reinforce";
  readonly defaults = { samples: 8, batch: 4 };
  protected readonly dist: ProbGraph;
  protected readonly adam: Adam;
  protected baseline: number | undefined;
  protected readonly opts: ReinforceOptions;

  constructor(ctx: OptimizerContext) {
    super(ctx);
    this.opts = { lr: Number(ctx.options.lr ?? 0.1), baselineRate: Number(ctx.options.baselineRate ?? 0.1), edgeProb: Number(ctx.options.edgeProb ?? 0.3) };
    this.dist = ProbGraph.neutral(ctx.space, this.opts.edgeProb);
    this.adam = new Adam(flattenParams(this.dist.params).length, this.opts.lr);
  }

  async ask(req: AskRequest): Promise<AskBatch> {
    const rng = this.rng(req.iteration, "sample");
    return { proposals: Array.from({ length: req.samples }, () => draftOf(sampleFeasible(this.dist, rng), "sample")) };
  }

  protected observe(results: EvalOutcome[]): void {
    const scored = usable(results)
      .filter((r) => r.proposal.genome)
      .map((r) => ({ genome: r.proposal.genome!, utility: r.batch.utility }));
    this.baseline = policyGradientStep(this.dist, this.adam, scored, this.baseline, this.opts.baselineRate);
  }

  snapshot(): unknown {
    return { params: this.dist.params, baseline: this.baseline };
  }

  finalists(): ProposalDraft[] {
    const r = this.ctx.space.realise(this.dist.mode(), this.rng(-1, "final"), "drop-smallest");
    return r ? [draftOf(r, "mode")] : [];
  }
}
