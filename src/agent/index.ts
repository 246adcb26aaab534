/** The optimizer agent of Agent-REINFORCE: the update schema, the rule agent and the LLM agent. */
export {
  AgentUpdateSchema,
  AgentChangeSchema,
  InitDecisionSchema,
  agentUpdateJsonSchema,
  initDecisionJsonSchema,
  extractJson,
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
export { LlmAgent, MAX_REPLY_CHARS, type LlmAgentOptions } from "./llm.js";
export { INIT_INSIGHTS, UPDATE_INSIGHTS, predictMultiset, predictMultisetPlain, sizeMonotone } from "./insights.js";
