/** The optimizers by name, and what each needs. */
import { UserError } from "../../errors.js";
import type { OptimizerFactory } from "../types.js";
import { AgentReinforce } from "./agent-reinforce.js";
import { Evolution } from "./evolution.js";
import { Maas } from "./maas.js";
import { RandomSearch } from "./random.js";
import { Reinforce } from "./reinforce.js";
import { TextGrad } from "./textgrad.js";
import { Tpe } from "./tpe.js";

export const OPTIMIZER_NAMES = [
  "agent-reinforce",
  "reinforce",
  "random",
  "tpe",
  "evolution",
  "textgrad",
  "maas",
  // Agent-REINFORCE's ablations, by name so a comparison can run them beside the full method.
  "agent-reinforce-no-insights",
  "agent-reinforce-random-init",
  "agent-reinforce-no-fuser",
] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export interface OptimizerInfo {
  factory: OptimizerFactory;
  /** True when the method cannot run without an LLM. */
  needsLlm: boolean;
  description: string;
  /** Search-space settings the method imposes over the config's (the "no fuser" ablation). */
  space?: { fuser?: boolean } | undefined;
}

/** Agent-REINFORCE with some options fixed; options from the config still win for the others. */
function agentReinforceWith(fixed: Record<string, unknown>): OptimizerFactory {
  return (c) => new AgentReinforce({ ...c, options: { ...c.options, ...fixed } });
}

export const OPTIMIZERS: Readonly<Record<OptimizerName, OptimizerInfo>> = {
  "agent-reinforce": { factory: (c) => new AgentReinforce(c), needsLlm: false, description: "Agent-REINFORCE: probes, agent initialisation, pretest, then sample / feedback / update (rule agent or LLM)" },
  reinforce: { factory: (c) => new Reinforce(c), needsLlm: false, description: "GPTSwarm-style policy gradient on the same logits (Adam, lr 0.1, moving-average baseline)" },
  random: { factory: (c) => new RandomSearch(c), needsLlm: false, description: "random graphs from the neutral distribution" },
  tpe: { factory: (c) => new Tpe(c), needsLlm: false, description: "Bayesian optimisation with TPE (Optuna's defaults)" },
  evolution: { factory: (c) => new Evolution(c), needsLlm: false, description: "(mu + lambda) evolution with mutation and tournament selection" },
  textgrad: { factory: (c) => new TextGrad(c), needsLlm: true, description: "an LLM edits graphs from their scores (no insights, no initialisation)" },
  maas: { factory: (c) => new Maas(c), needsLlm: true, description: "alternating policy-gradient and LLM steps" },
  "agent-reinforce-no-insights": { factory: agentReinforceWith({ insights: false }), needsLlm: false, description: "ablation: Agent-REINFORCE without the insights (initialisation by mean probe accuracy, updates without width/depth guidance)" },
  "agent-reinforce-random-init": { factory: agentReinforceWith({ init: "random" }), needsLlm: false, description: "ablation: Agent-REINFORCE without probes, agent initialisation or pretest (a neutral starting distribution)" },
  "agent-reinforce-no-fuser": { factory: (c) => new AgentReinforce(c), needsLlm: false, space: { fuser: false }, description: "ablation: Agent-REINFORCE in a space without the fuser role" },
};

/** Look up an optimizer; an unknown name is a user error listing the known ones. */
export function optimizerInfo(name: string): OptimizerInfo {
  const info = (OPTIMIZERS as Record<string, OptimizerInfo>)[name];
  if (!info) throw new UserError(`unknown optimizer "${name}": expected one of ${OPTIMIZER_NAMES.join(", ")}`, { code: "unknown_optimizer", source: "--optimizer" });
  return info;
}
