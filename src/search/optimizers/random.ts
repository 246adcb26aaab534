/**
 * Random search: every iteration draws fresh graphs from the neutral distribution (uniform models,
 * even roles, independent edges), fitted to the budget. The paper's random baseline, with the
 * harness's shared batches and final selection.
 */
import { ProbGraph } from "../distribution.js";
import type { AskBatch, AskRequest, EvalOutcome, OptimizerContext } from "../types.js";
import { BaseOptimizer, draftOf, sampleFeasible } from "./common.js";

export class RandomSearch extends BaseOptimizer {
  readonly name = "random";
  readonly defaults = { samples: 8, batch: 6 };
  private readonly dist: ProbGraph;

  constructor(ctx: OptimizerContext) {
    super(ctx);
    this.dist = ProbGraph.neutral(ctx.space, Number(ctx.options.edgeProb ?? 0.3));
  }

  async ask(req: AskRequest): Promise<AskBatch> {
    const rng = this.rng(req.iteration, "sample");
    return { proposals: Array.from({ length: req.samples }, () => draftOf(sampleFeasible(this.dist, rng), "sample")) };
  }

  protected observe(_results: EvalOutcome[]): void {
    // Random search learns nothing; the harness keeps the scores for selection.
  }
}
