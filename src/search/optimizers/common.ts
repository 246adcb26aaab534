/** Shared pieces of the optimizers: the tell contract, feasible sampling, mutation. */
import { InternalError } from "../../errors.js";
import type { Role } from "../../graph/schema.js";
import { Rng } from "../../util/rng.js";
import type { ProbGraph } from "../distribution.js";
import type { Genome, Realised, SearchSpace } from "../space.js";
import type { AskBatch, AskRequest, EvalOutcome, Optimizer, OptimizerContext, ProposalDraft } from "../types.js";

/**
 * The ask/tell contract every optimizer shares: each proposal is reported exactly once; a second
 * report is a bug in the caller and is refused.
 */
export abstract class BaseOptimizer implements Optimizer {
  abstract readonly name: string;
  abstract readonly defaults: { samples: number; batch: number };
  private readonly told = new Set<string>();

  constructor(protected readonly ctx: OptimizerContext) {}

  abstract ask(request: AskRequest): Promise<AskBatch>;

  async tell(results: EvalOutcome[]): Promise<void> {
    for (const r of results) {
      if (this.told.has(r.proposal.id)) throw new InternalError(`${this.name}: proposal ${r.proposal.id} was already reported`);
      this.told.add(r.proposal.id);
    }
    await this.observe(results);
  }

  /** Learn from results (each proposal reported once). */
  protected abstract observe(results: EvalOutcome[]): Promise<void> | void;

  /** A keyed random stream: the same (seed, iteration, purpose) always gives the same numbers. */
  protected rng(iteration: number, purpose: string): Rng {
    return new Rng(this.ctx.seed, this.name, iteration, purpose);
  }
}

/** Sample a genome that fits the budget (repairing or resampling per the space's rule). */
export function sampleFeasible(dist: ProbGraph, rng: Rng, maxTries = 200): Realised {
  const space = dist.space;
  for (let t = 0; t < maxTries; t++) {
    const r = space.realise(dist.sample(rng), rng);
    if (r) return r;
  }
  // Rejection kept failing: fall back to the paper's repair so the search can go on.
  const r = space.realise(dist.sample(rng), rng, "drop-smallest");
  if (r) return r;
  return space.realise(space.emptyGenome(), rng, "drop-smallest")!;
}

/** A draft from a realised genome. */
export function draftOf(r: Realised, origin: string): ProposalDraft {
  return { graph: r.graph, genome: r.genome, origin };
}

/**
 * A random local change to a genome: switch a slot on or off, change a slot's model or role, flip
 * an edge or an edge into the output, or change the output's model or role.
 */
export function mutate(space: SearchSpace, g: Genome, rng: Rng): Genome {
  const next: Genome = { models: g.models.slice(), roles: g.roles.slice(), edges: g.edges.slice(), toOut: g.toOut.slice(), outModel: g.outModel, outRole: g.outRole };
  const on = next.models.map((m, i) => (m === null ? -1 : i)).filter((i) => i >= 0);
  const off = next.models.map((m, i) => (m === null ? i : -1)).filter((i) => i >= 0);
  const kinds: string[] = [];
  if (off.length > 0 && space.models.length > 0) kinds.push("add", "add");
  if (on.length > 0) kinds.push("remove", "model", "model", "toOut", "toOut");
  if (on.length > 0 && space.fuser) kinds.push("role");
  if (on.length > 1) kinds.push("edge", "edge", "edge");
  if (!space.outputFixed && space.outModels.length > 1) kinds.push("outModel");
  if (space.fuser && on.length > 0) kinds.push("outRole");
  if (kinds.length === 0) return next;
  const kind = rng.pick(kinds);
  switch (kind) {
    case "add": {
      const i = rng.pick(off);
      next.models[i] = rng.pick(space.models);
      next.roles[i] = "assistant";
      next.toOut[i] = true;
      // Sometimes wire it after an existing node instead of beside it.
      const before = on.filter((j) => j < i);
      if (before.length > 0 && rng.bernoulli(0.5)) next.edges[space.edgeIndex(rng.pick(before), i)] = true;
      break;
    }
    case "remove":
      next.models[rng.pick(on)] = null;
      break;
    case "model": {
      const i = rng.pick(on);
      const others = space.models.filter((m) => m !== next.models[i]);
      if (others.length > 0) next.models[i] = rng.pick(others);
      break;
    }
    case "role": {
      const i = rng.pick(on);
      next.roles[i] = flip(next.roles[i]!);
      break;
    }
    case "toOut": {
      const i = rng.pick(on);
      next.toOut[i] = !next.toOut[i];
      break;
    }
    case "edge": {
      const a = rng.pick(on);
      let b = rng.pick(on);
      if (a === b) b = on[(on.indexOf(a) + 1) % on.length]!;
      const [i, j] = a < b ? [a, b] : [b, a];
      const k = space.edgeIndex(i, j);
      next.edges[k] = !next.edges[k];
      break;
    }
    case "outModel": {
      const others = space.outModels.filter((m) => m !== next.outModel);
      next.outModel = rng.pick(others);
      break;
    }
    case "outRole":
      next.outRole = flip(next.outRole);
      break;
  }
  return next;
}

function flip(r: Role): Role {
  return r === "assistant" ? "fuser" : "assistant";
}

/** Outcomes that carry a usable score (not failed, not rejected). */
export function usable(results: readonly EvalOutcome[]): EvalOutcome[] {
  return results.filter((r) => r.status === "ok" && Number.isFinite(r.batch.utility));
}
