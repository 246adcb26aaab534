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

export const OPTIMIZER_NAMES = ["agent-reinforce", "reinforce", "random", "tpe", "evolution", "textgrad", "maas"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export interface OptimizerInfo {
  factory: OptimizerFactory;
  /** True when the method cannot run without an LLM. */
  needsLlm: boolean;
  description: string;
}

export const OPTIMIZERS: Readonly<Record<OptimizerName, OptimizerInfo>> = {
  "agent-reinforce": { factory: (c) => new AgentReinforce(c), needsLlm: false, description: "Agent-REINFORCE: probes, agent initialisation, pretest, then sample / feedback / update (rule agent or LLM)" },
  reinforce: { factory: (c) => new Reinforce(c), needsLlm: false, description: "GPTSwarm-style policy gradient on the same logits (Adam, lr 0.1, moving-average baseline)" },
  random: { factory: (c) => new RandomSearch(c), needsLlm: false, description: "random graphs from the neutral distribution" },
  tpe: { factory: (c) => new Tpe(c), needsLlm: false, description: "Bayesian optimisation with TPE (Optuna's defaults)" },
  evolution: { factory: (c) => new Evolution(c), needsLlm: false, description: "(mu + lambda) evolution with mutation and tournament selection" },
  textgrad: { factory: (c) => new TextGrad(c), needsLlm: true, description: "an LLM edits graphs from their scores (no insights, no initialisation)" },
  maas: { factory: (c) => new Maas(c), needsLlm: true, description: "alternating policy-gradient and LLM steps" },
};

/** Look up an optimizer; an unknown name is a user error listing the known ones. */
export function optimizerInfo(name: string): OptimizerInfo {
  const info = (OPTIMIZERS as Record<string, OptimizerInfo>)[name];
  if (!info) throw new UserError(`unknown optimizer "${name}": expected one of ${OPTIMIZER_NAMES.join(", ")}`, { code: "unknown_optimizer", source: "--optimizer" });
  return info;
}
