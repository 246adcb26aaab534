/** The built-in optimizers, each defined once: name, options schema (defaults, ranges, descriptions) and factory. */
import { z } from "zod";
import { agents } from "./agent-reinforce/registry.js";
import { UserError } from "../../errors.js";
import { defineOptimizer, type OptimizerDefinition } from "../registry.js";
import type { OptimizerContext } from "../types.js";
import { AGENT_REINFORCE_DEFAULTS, AgentReinforce } from "./agent-reinforce/optimizer.js";
import { Evolution } from "./evolution.js";
import { Maas } from "./maas.js";
import { RandomSearch } from "./random.js";
import { Reinforce } from "./reinforce.js";
import { TextGrad } from "./textgrad.js";
import { OPTUNA_TPE_DEFAULTS, Tpe } from "./tpe.js";

const D = AGENT_REINFORCE_DEFAULTS;
const count = () => z.number().int().min(0);
const share = () => z.number().min(0).max(1);
const edgeProb = z.number().min(0).max(1).default(0.3).describe("probability of each edge in the neutral starting distribution");
const maxAttempts = (d: number) => z.number().int().min(1).max(20).default(d).describe("LLM replies tried per call before falling back");

export const AgentReinforceOptionsSchema = z.object({
  agent: z
    .string()
    .min(1)
    .superRefine((name, ctx) => {
      if (!agents.has(name)) ctx.addIssue({ code: "custom", message: `unknown agent "${name}": expected one of ${agents.names().join(", ")} (or one registered by a plugin)` });
    })
    .optional()
    .describe('the agent writing initialisations and updates: "rules", "llm" (needs --agent MODEL) or a registered one; default "llm" when an LLM is configured, else "rules"'),
  insights: z.boolean().default(D.insights).describe("use the paper's insights in initialisation and updates (false: the ablation)"),
  init: z.enum(["probe", "random"]).default(D.init).describe('"probe": probes, agent initialisation and pretest; "random": a neutral distribution (the ablation)'),
  probeItems: z.number().int().min(1).max(10_000).default(D.probeItems).describe("items each single model is probed on"),
  pretest: z.number().int().min(1).max(256).default(D.pretest).describe("candidates the agent chooses for the pretest"),
  pretestRounds: z.array(z.number().int().min(1)).max(16).default(D.pretestRounds).describe("items per pretest round; after each round the better half goes on"),
  elites: count().max(64).default(D.elites).describe("best graphs so far re-evaluated with every batch"),
  sharpness: z.number().positive().max(50).default(D.sharpness).describe("logit margin the distribution keeps around the incumbent"),
  maxAttempts: maxAttempts(D.maxAttempts),
  moves: count().max(64).default(D.moves).describe("structural neighbours of the incumbent (a layer deeper, wider, a swapped model, ...) proposed each iteration"),
  movePool: count().min(1).max(512).default(D.movePool).describe("neighbours drawn for the surrogate to rank before the best `moves` are proposed"),
  optimism: z.number().min(0).max(10).default(D.optimism).describe("standard deviations of the surrogate's prediction added to rank neighbours (exploration)"),
});

/** Agent-REINFORCE with its agent resolved by name, and some options fixed (the ablations). */
function agentReinforce(ctx: OptimizerContext, options: z.output<typeof AgentReinforceOptionsSchema>, fixed: Record<string, unknown> = {}): AgentReinforce {
  const o = { ...options, ...fixed };
  const name = o.agent ?? (ctx.llm ? "llm" : "rules");
  const def = agents.get(name, "optimizerOptions.agent");
  if (def.needsLlm && !ctx.llm) throw new UserError(`the ${name} agent needs an LLM and none is configured: give --agent MODEL_ID (a pool model, or with --agent-url URL a model of an OpenAI-compatible endpoint)`, { code: "needs_llm", source: "optimizerOptions.agent" });
  const c = { ...ctx, options: o };
  return new AgentReinforce(c, def.create(c, { sharpness: o.sharpness, maxAttempts: o.maxAttempts }));
}

const ReinforceOptionsSchema = z.object({
  lr: z.number().positive().max(10).default(0.1).describe("Adam learning rate"),
  baselineRate: share().default(0.1).describe("rate of the moving-average baseline"),
  edgeProb,
});

export const BUILTIN_OPTIMIZERS: readonly OptimizerDefinition[] = [
  defineOptimizer({
    name: "agent-reinforce",
    description: "Agent-REINFORCE: probes, agent initialisation, pretest, then sample / feedback / update (rule agent or LLM)",
    options: AgentReinforceOptionsSchema,
    create: (ctx, o) => agentReinforce(ctx, o),
  }),
  defineOptimizer({ name: "reinforce", description: "GPTSwarm-style policy gradient on the same logits (Adam, lr 0.1, moving-average baseline)", options: ReinforceOptionsSchema, create: (ctx, o) => new Reinforce({ ...ctx, options: o }) }),
  defineOptimizer({ name: "random", description: "random graphs from the neutral distribution", options: z.object({ edgeProb }), create: (ctx, o) => new RandomSearch({ ...ctx, options: o }) }),
  defineOptimizer({
    name: "tpe",
    description: "Bayesian optimisation with TPE (Optuna's defaults)",
    options: z.object({
      nStartupTrials: count().default(OPTUNA_TPE_DEFAULTS.nStartupTrials).describe("random trials before the Parzen estimators are used"),
      nEiCandidates: z.number().int().min(1).default(OPTUNA_TPE_DEFAULTS.nEiCandidates).describe("candidates scored by expected improvement per trial"),
      priorWeight: z.number().positive().default(OPTUNA_TPE_DEFAULTS.priorWeight).describe("weight of the prior in the Parzen estimators"),
    }),
    create: (ctx, o) => new Tpe({ ...ctx, options: o }),
  }),
  defineOptimizer({
    name: "evolution",
    description: "(mu + lambda) evolution with mutation and tournament selection",
    options: z.object({ population: z.number().int().min(1).max(256).default(8).describe("parents kept each generation (mu)"), edgeProb }),
    create: (ctx, o) => new Evolution({ ...ctx, options: o }),
  }),
  defineOptimizer({ name: "textgrad", description: "an LLM edits graphs from their scores (no insights, no initialisation)", needsLlm: true, options: z.object({ maxAttempts: maxAttempts(3) }), create: (ctx, o) => new TextGrad({ ...ctx, options: o }) }),
  defineOptimizer({ name: "maas", description: "alternating policy-gradient and LLM steps", needsLlm: true, options: ReinforceOptionsSchema.extend({ maxAttempts: maxAttempts(3) }), create: (ctx, o) => new Maas({ ...ctx, options: o }) }),
  // Agent-REINFORCE's ablations, by name so a comparison can run them beside the full method.
  defineOptimizer({
    name: "agent-reinforce-no-insights",
    description: "ablation: Agent-REINFORCE without the insights (initialisation by mean probe accuracy, updates without width/depth guidance)",
    options: AgentReinforceOptionsSchema,
    create: (ctx, o) => agentReinforce(ctx, o, { insights: false }),
  }),
  defineOptimizer({
    name: "agent-reinforce-random-init",
    description: "ablation: Agent-REINFORCE without probes, agent initialisation or pretest (a neutral starting distribution)",
    options: AgentReinforceOptionsSchema,
    create: (ctx, o) => agentReinforce(ctx, o, { init: "random" }),
  }),
  defineOptimizer({ name: "agent-reinforce-no-fuser", description: "ablation: Agent-REINFORCE in a space without the fuser role", options: AgentReinforceOptionsSchema, space: { fuser: false }, create: (ctx, o) => agentReinforce(ctx, o) }),
];

/** Names of the built-in optimizers (plugins may register more). */
export const OPTIMIZER_NAMES = BUILTIN_OPTIMIZERS.map((d) => d.name);
