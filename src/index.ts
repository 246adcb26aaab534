/**
 * tts-graph: find and run the compute-optimal multi-LLM collaboration graph for a task under a fixed
 * inference budget.
 *
 * The root holds what a program needs to load tasks, pools and graphs, run and evaluate graphs, call
 * models through providers (its own included), search, and report. Each layer has its own entry for
 * the rest: `tts-graph/graph`, `/cost`, `/tasks`, `/models`, `/exec`, `/sim`, `/search`, `/agent`,
 * `/runs`, `/report`, `/serve`, `/gguf` (needs the optional `node-llama-cpp`) and `/testing`.
 * Deep imports of `dist/` files are not part of the contract.
 */

// Errors: every error the package throws on purpose is a TtsGraphError; bad input is a UserError.
export { TtsGraphError, UserError, type Issue } from "./errors.js";

// Graphs.
export { parseGraph, type ValidateOptions } from "./graph/validate.js";
export { loadGraphFile, saveGraphFile } from "./graph/io.js";
export { graphHash } from "./graph/canonical.js";
export { toMermaid } from "./graph/render.js";
export type { Graph, GraphNode, Role } from "./graph/schema.js";

// Cost.
export { planCost, type CostPlan, type CostContext } from "./cost/plan.js";
export { checkBudget, type Budget, type BudgetUnit, type BudgetCheck } from "./cost/budget.js";

// Tasks, pools and providers, from the names users type.
export { resolveTask, resolvePool, resolveProviders, checkPoolModules, type ResolveOptions, type ResolveProvidersOptions } from "./resolve.js";
export { createTask, type TaskDefinition, type TaskOptions } from "./tasks/task.js";
export type { Task, TaskItem, TaskStyle, Split, ChatMessage, Reference } from "./tasks/types.js";
export { loadPoolFile, type LoadedPool } from "./models/pool.js";
export type { ModelSpec, Pool, Endpoint } from "./models/spec.js";
export type { Provider, ProviderResolver, CallRequest, CallResult, CallMetadata, SamplingParams, Usage } from "./models/provider.js";
export type { CustomProvider, CustomCallResult, ProviderFactory, ProviderModuleContext } from "./models/module.js";
export { ProviderCallError } from "./models/errors.js";
export { createOpenAIProvider, type OpenAIProviderOptions } from "./models/openai.js";

// Running and evaluating graphs.
export { createExecContext, type ExecContext, type ExecContextOptions } from "./exec/context.js";
export { evaluate, type EvaluateOptions } from "./exec/evaluate.js";
export { runGraph, prepareGraph, type PreparedGraph } from "./exec/run.js";
export { ResponseCache } from "./exec/cache.js";
export type { EvalResult, Trace, NodeTrace } from "./exec/types.js";

// Reports and serving.
export { writeReport, type ReportOptions, type ReportFiles } from "./report/index.js";
export { createServeHandler, type ServeHandler, type ServeHandlerOptions } from "./serve/handler.js";
export type { ServedGraph } from "./serve/answer.js";
export { listen, type ListenOptions, type RunningServer } from "./serve/listen.js";

// ---------------------------------------------------------------------------------------------
// Search and runs: the names a program needs to search and to read run folders. The search layer's
// public primitives (a study driven by ask and tell, registered optimizers and agents, run folders
// as library calls) belong in this block, each with an @example; the full layers are
// `tts-graph/search` and `tts-graph/runs`.
export { parseSearchConfig, loadSearchConfig, buildSearch, runSearch, type SearchConfig, type SearchConfigInput, type ResolvedParts, type SearchSetup, type SearchResult } from "./search/index.js";
export { readRun, readRunStatus, type RunRead, type RunStatus } from "./runs/index.js";
// ---------------------------------------------------------------------------------------------

export { VERSION } from "./version.js";
