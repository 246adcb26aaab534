/** The search: space, probabilistic graph, harness, optimizers, config, comparison. */
export { SearchSpace, slotId, parseSlotId, OUTPUT_ID, sameGenome, type Genome, type Realised, type RepairRule, type SpaceOptions } from "./space.js";
export { ProbGraph, Adam, flattenParams, unflattenParams, ROLES, LOGIT_LIMIT, type ProbGraphParams, type InitOptions } from "./distribution.js";
export type { ProposalDraft, Proposal, ItemOutcome, Score, EvalStatus, EvalOutcome, AskRequest, AskBatch, Phase, AgentChatRequest, AgentChatResponse, AgentChannel, OptimizerContext, Optimizer, OptimizerFactory } from "./types.js";
export { ObjectiveSchema, ACCURACY, objectiveFromName, utilityOf, describeObjective, type Objective } from "./objective.js";
export { EVENT_VERSION, Journal, teeSinks, replayMemo, chatKey, type SearchEvent, type RecordedEvent, type EventSink, type ReplayMemo, type EvalSplit, type IterationLeader } from "./events.js";
export { scoreOf } from "./score.js";
export { shrunkAccuracy, pairedDifference, PairedBook, empiricalBayes, empiricalBayesWithSd, pooledShrunkAccuracy, combinedEstimate, SEARCH_SHRINK } from "./statistics.js";
export {
  runSearch,
  newRunStats,
  type Evaluator,
  type AgentCaller,
  type SelectionOptions,
  type SearchSetup,
  type RunOptions as SearchRunOptions,
  type RunStats,
  type CandidateReport,
  type SearchCost,
  type SearchResult,
} from "./harness.js";
export { Study, type EvaluationRequest } from "./study.js";
export { checkDraft, DEFAULT_FAILURE_THRESHOLD, type GraphRecord } from "./records.js";
export { selectionRounds, rankRecords, type SelectionContext, type ParetoPoint } from "./selection.js";
export { AgentCallError, EventLog, replayingChannel } from "./replay.js";
export { newSearchCost, addItemCosts, addEvals } from "./cost.js";
export { executorEvaluator, outcomeOf } from "./evaluator.js";
export { SearchConfigSchema, SpaceConfigSchema, SelectionConfigSchema, parseSearchConfig, loadSearchConfig, searchConfigJsonSchema, type SearchConfig, type SearchConfigInput } from "./config.js";
export { buildSearch, buildSpace, agentModel, providerAgentCaller, type ResolvedParts } from "./setup.js";
export { oracle, enumerateSpace, type OracleOptions, type OracleResult, type OracleCandidate } from "./oracle.js";
export { runCompare, type CompareOptions, type CompareRun, type CompareRow, type CompareResult } from "./compare.js";
export { OPTIMIZER_NAMES, BUILTIN_OPTIMIZERS, AgentReinforceOptionsSchema } from "./optimizers/index.js";
export { Registry, defineOptimizer, parseOptimizerOptions, type OptimizerDefinition, type OptionsSchema } from "./registry.js";
export { optimizers, agents, loadPlugins, resolveOptimizer } from "./plugins.js";
export { BaseOptimizer, sampleFeasible, mutate } from "./optimizers/common.js";
export { AgentReinforce, AGENT_REINFORCE_DEFAULTS, centredOn, enumerateMultisets, singleModelDrafts, type AgentReinforceOptions } from "./optimizers/agent-reinforce/optimizer.js";
export { Reinforce, policyGradientStep } from "./optimizers/reinforce.js";
export { RandomSearch } from "./optimizers/random.js";
export { Tpe, CategoricalParzen, defaultGamma, defaultWeights, OPTUNA_TPE_DEFAULTS, type TpeSettings } from "./optimizers/tpe.js";
export { Evolution } from "./optimizers/evolution.js";
export { TextGrad, GraphEditSchema, graphEditJsonSchema, type GraphEdit } from "./optimizers/textgrad.js";
export { Maas } from "./optimizers/maas.js";
