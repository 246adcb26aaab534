/** A hill climber as a plugin: mutations of the best graph so far (random graphs until one has a score). */
import { z } from "zod";
import { BaseOptimizer, defineOptimizer, mutate, ProbGraph, sampleFeasible } from "tts-graph/search";

class HillClimb extends BaseOptimizer {
  name = "hill-climb";
  defaults = { samples: 4, batch: 6 };
  best = undefined;

  constructor(ctx, options) {
    super(ctx);
    this.options = options;
    this.start = ProbGraph.neutral(ctx.space, options.edgeProb);
  }

  async ask(req) {
    const { space } = this.ctx;
    const rng = this.rng(req.iteration, "climb");
    const proposals = Array.from({ length: req.samples }, () => {
      const r = (this.best && space.realise(mutate(space, this.best.genome, rng), rng)) || sampleFeasible(this.start, rng);
      return { graph: r.graph, genome: r.genome, origin: this.best ? "mutation" : "sample" };
    });
    if (this.best) proposals[0] = { graph: this.best.graph, genome: this.best.genome, origin: "elite" };
    return { proposals };
  }

  observe(results) {
    for (const { status, proposal, total } of results) {
      const better = !this.best || total.utility > this.best.utility || proposal.hash === this.best.hash;
      if (status === "ok" && proposal.genome && better) this.best = { ...proposal, utility: total.utility };
    }
  }
}

export default defineOptimizer({
  name: "hill-climb",
  description: "mutations of the best graph so far",
  options: z.object({ edgeProb: z.number().min(0).max(1).default(0.3).describe("edge probability of the first, random graphs") }),
  create: (ctx, options) => new HillClimb(ctx, options),
});
