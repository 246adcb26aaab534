/**
 * MaAS-style hybrid: alternates one numeric policy-gradient step (GPTSwarm's REINFORCE on the same
 * logits) with one LLM step that rewrites the edge, role and model probabilities as bounded logit
 * changes (no insights). A failed LLM step leaves the policy-gradient update alone, and the log
 * says so.
 */
import { UserError } from "../../errors.js";
import { LlmAgent } from "./agent-reinforce/llm.js";
import type { Agent, UpdateInput } from "./agent-reinforce/types.js";
import { applyUpdate, validateUpdate, type AgentUpdate } from "./agent-reinforce/update.js";
import { topology } from "../../graph/topology.js";
import type { EvalOutcome, OptimizerContext } from "../types.js";
import { usable } from "./common.js";
import { Reinforce } from "./reinforce.js";

/** Stands in when the LLM fails: no change (the policy-gradient step already happened). */
const noChange: Agent = {
  name: "none",
  initialise: async () => ({ multisets: [], rationale: "" }),
  update: async (input: UpdateInput): Promise<AgentUpdate> => ({ feedback: `iteration ${input.iteration}: no LLM change; the policy-gradient step stands`, changes: [] }),
};

export class Maas extends Reinforce {
  override readonly name = "maas";
  private readonly llmAgent: LlmAgent;
  private step = 0;

  constructor(ctx: OptimizerContext) {
    super(ctx);
    if (!ctx.llm) throw new UserError("the maas optimizer alternates policy-gradient and LLM steps, so it needs an LLM: give --agent MODEL_ID (a pool model or, with --agent-url, an OpenAI-compatible endpoint)", { code: "needs_llm", source: "--agent" });
    this.llmAgent = new LlmAgent({ channel: ctx.llm, fallback: noChange, emit: ctx.emit, maxAttempts: Number(ctx.options.maxAttempts ?? 3) });
  }

  protected override async observe(results: EvalOutcome[]): Promise<void> {
    const step = this.step++;
    if (step % 2 === 0) {
      super.observe(results);
      return;
    }
    const iteration = results[0]?.proposal.iteration ?? 0;
    const samples = usable(results).map((r) => {
      const t = topology(r.proposal.graph);
      return { id: r.proposal.id, hash: r.proposal.hash, origin: r.proposal.origin, genome: r.proposal.genome ?? this.ctx.space.emptyGenome(), graph: r.proposal.graph, batch: r.batch, total: r.total, width: t.width, depth: t.depth, nodes: r.proposal.graph.nodes.length, units: this.ctx.space.plan(r.proposal.graph).units };
    });
    const update = await this.llmAgent.update({ iteration, task: this.ctx.task, space: this.ctx.space, objective: this.ctx.objective, dist: this.dist, samples, history: [], insights: false });
    if (validateUpdate(update, this.dist).length === 0) applyUpdate(this.dist, update);
    this.ctx.emit({ type: "agent.feedback", iteration, agent: this.llmAgent.name, text: update.feedback });
  }
}
