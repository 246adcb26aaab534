/**
 * The optimizer agent of Agent-REINFORCE: the update schema, the rule agent and the LLM agent, as
 * the package's `tts-graph/agent` entry.
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
} from "./update.js";
export type { Agent, InitInput, UpdateInput, SampleReport, ModelProbe, CandidateMultiset, IterationSummary, TaskInfo } from "./types.js";
export { RuleAgent, chooseMultisets, pullToward, factorsOf, type RuleAgentOptions } from "./rules.js";
export { LlmAgent, type LlmAgentOptions } from "./llm.js";
export { INIT_INSIGHTS, UPDATE_INSIGHTS, predictMultiset, predictMultisetPlain, sizeMonotone } from "./insights.js";
export { defineAgent, RULES_AGENT, LLM_AGENT, type AgentDefinition, type AgentSettings } from "./registry.js";
export { askJson, extractJson, repairMessage, MAX_REPLY_CHARS, type JsonRequest } from "../llm-json.js";
