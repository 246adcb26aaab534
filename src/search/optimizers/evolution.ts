/**
 * Evolutionary search, (mu + lambda): a population of graphs; each generation, parents chosen by
 * binary tournament are mutated into children, and the best of parents and children (by their
 * accumulated score, shrunk toward the mean for graphs seen on few items) survive.
 */
import { shrunkAccuracy } from "../statistics.js";
import { utilityOf } from "../objective.js";
import { ProbGraph } from "../distribution.js";
import type { Genome } from "../space.js";
import type { AskBatch, AskRequest, EvalOutcome, OptimizerContext, Score } from "../types.js";
import { BaseOptimizer, draftOf, mutate, sampleFeasible, usable } from "./common.js";

interface Member {
  hash: string;
  genome: Genome;
  total: Score;
}

export class Evolution extends BaseOptimizer {
  readonly name = "evolution";
  readonly defaults = { samples: 8, batch: 5 };
  private readonly mu: number;
  private population: Member[] = [];
  private readonly dist: ProbGraph;

  constructor(ctx: OptimizerContext) {
    super(ctx);
    this.mu = Number(ctx.options.population ?? 8);
    this.dist = ProbGraph.neutral(ctx.space, Number(ctx.options.edgeProb ?? 0.3));
  }

  async ask(req: AskRequest): Promise<AskBatch> {
    const rng = this.rng(req.iteration, "evolve");
    if (this.population.length === 0) {
      return { proposals: Array.from({ length: Math.max(req.samples, this.mu) }, () => draftOf(sampleFeasible(this.dist, rng), "sample")) };
    }
    const proposals = [];
    for (let k = 0; k < req.samples; k++) {
      const a = rng.pick(this.population);
      const b = rng.pick(this.population);
      const parent = this.value(a) >= this.value(b) ? a : b;
      let child = mutate(this.ctx.space, parent.genome, rng);
      // One mutation in three is followed by a second, so the search can cross small valleys.
      if (rng.bernoulli(1 / 3)) child = mutate(this.ctx.space, child, rng);
      const r = this.ctx.space.realise(child, rng) ?? sampleFeasible(this.dist, rng);
      proposals.push(draftOf(r, "mutation"));
    }
    return { proposals };
  }

  private prior = 0.5;

  private value(m: Member): number {
    const acc = shrunkAccuracy(m.total, this.prior, 5);
    return utilityOf(this.ctx.objective, { accuracy: acc, meanLatencyMs: m.total.meanLatencyMs, meanDollars: m.total.meanDollars });
  }

  protected observe(results: EvalOutcome[]): void {
    const byHash = new Map(this.population.map((m) => [m.hash, m]));
    for (const r of usable(results)) {
      if (!r.proposal.genome) continue;
      byHash.set(r.proposal.hash, { hash: r.proposal.hash, genome: r.proposal.genome, total: r.total });
    }
    const all = [...byHash.values()];
    const graded = all.reduce((s, m) => s + m.total.items - m.total.errored, 0);
    if (graded > 0) this.prior = all.reduce((s, m) => s + m.total.correct, 0) / graded;
    all.sort((x, y) => this.value(y) - this.value(x) || (x.hash < y.hash ? -1 : 1));
    this.population = all.slice(0, this.mu);
  }

  snapshot(): unknown {
    return { population: this.population.map((m) => ({ hash: m.hash, items: m.total.items, accuracy: m.total.accuracy })) };
  }
}
