/**
 * The optimizer agent of Agent-REINFORCE: the update schema, the rule agent and the LLM agent. It
 * lives with the optimizer in src/search/optimizers/agent-reinforce/; this module re-exports it
 * for the package root.
 */
export {
  AgentUpdateSchema,
  AgentChangeSchema,
  InitDecisionSchema,
  agentUpdateJsonSchema,
  initDecisionJsonSchema,
  parseAgentUpdate,
  repairUpdate,
  validateUpdate,
  applyUpdate,
  MAX_DELTA,
  MAX_CHANGES,
  type AgentUpdate,
  type AgentChange,
  type InitDecision,
} from "../search/optimizers/agent-reinforce/update.js";
export type { Agent, InitInput, UpdateInput, SampleReport, ModelProbe, CandidateMultiset, IterationSummary, TaskInfo } from "../search/optimizers/agent-reinforce/types.js";
export { RuleAgent, chooseMultisets, pullToward, factorsOf, type RuleAgentOptions } from "../search/optimizers/agent-reinforce/rules.js";
export { LlmAgent, type LlmAgentOptions } from "../search/optimizers/agent-reinforce/llm.js";
export { INIT_INSIGHTS, UPDATE_INSIGHTS, predictMultiset, predictMultisetPlain, sizeMonotone } from "../search/optimizers/agent-reinforce/insights.js";
export { defineAgent, RULES_AGENT, LLM_AGENT, type AgentDefinition, type AgentSettings } from "../search/optimizers/agent-reinforce/registry.js";
export { askJson, extractJson, repairMessage, MAX_REPLY_CHARS, type JsonRequest } from "../search/optimizers/llm-json.js";
