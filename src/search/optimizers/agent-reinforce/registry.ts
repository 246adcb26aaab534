/**
 * Agents by name, for Agent-REINFORCE's `agent` option: `rules` (no LLM), `llm` (the configured LLM,
 * falling back to the rule agent when its replies keep failing), or one a plugin registered.
 */
import { UserError } from "../../../errors.js";
import { Registry } from "../../registry.js";
import type { OptimizerContext } from "../../types.js";
import { LlmAgent } from "./llm.js";
import { RuleAgent } from "./rules.js";
import type { Agent } from "./types.js";

/** What Agent-REINFORCE passes an agent's factory besides the optimizer's context. */
export interface AgentSettings {
  /** Logit margin the distribution keeps around the incumbent. */
  sharpness: number;
  /** LLM agents: attempts per call before falling back. */
  maxAttempts: number;
}

export interface AgentDefinition {
  readonly kind: "agent";
  readonly name: string;
  readonly description: string;
  /** True when the agent cannot work without an LLM (`--agent MODEL`). */
  readonly needsLlm: boolean;
  create(ctx: OptimizerContext, settings: AgentSettings): Agent;
}

/** Define an agent. */
export function defineAgent(def: { name: string; description?: string; needsLlm?: boolean; create(ctx: OptimizerContext, settings: AgentSettings): Agent }): AgentDefinition {
  return { kind: "agent", name: def.name, description: def.description ?? "", needsLlm: def.needsLlm ?? false, create: def.create };
}

export const RULES_AGENT = defineAgent({
  name: "rules",
  description: "the paper's insights as rules (no LLM)",
  create: (_ctx, s) => new RuleAgent({ sharpness: s.sharpness }),
});

export const LLM_AGENT = defineAgent({
  name: "llm",
  description: "the configured LLM (--agent MODEL); the rule agent stands in when its replies keep failing",
  needsLlm: true,
  create: (ctx, s) => {
    if (!ctx.llm) throw new UserError('the "llm" agent needs an LLM: give --agent MODEL_ID (a pool model, or with --agent-url URL a model of an OpenAI-compatible endpoint)', { code: "needs_llm", source: "optimizerOptions.agent" });
    return new LlmAgent({ channel: ctx.llm, fallback: RULES_AGENT.create(ctx, s), emit: ctx.emit, maxAttempts: s.maxAttempts });
  },
});

/** Every known agent: the built-in ones and those plugins registered. */
export const agents = new Registry<AgentDefinition>("agent", [RULES_AGENT, LLM_AGENT]);
