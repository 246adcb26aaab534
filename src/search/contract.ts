/** The contracts of a search: what it is built from (its setup), how it is run (options), and its result. */
import type { Graph } from "../graph/index.js";
import type { TaskItem } from "../tasks/types.js";
import type { SearchCost } from "./cost.js";
import type { EvalSplit, EventSink, ReplayMemo } from "./events.js";
import type { Objective } from "./objective.js";
import type { CandidateReport, ParetoPoint } from "./selection.js";
import type { SearchSpace } from "./space.js";
import type { AgentChatRequest, AgentChatResponse, ItemOutcome, OptimizerFactory, Phase } from "./types.js";

/** Runs a graph on items. The harness's only way to evaluate; built from the executor. */
export type Evaluator = (graph: Graph, items: TaskItem[], split: EvalSplit) => Promise<ItemOutcome[]>;

/** Calls the agent's LLM. The harness wraps it so every call is logged and replayable. */
export interface AgentCaller {
  model: string;
  call(request: AgentChatRequest): Promise<AgentChatResponse>;
}

export interface SelectionOptions {
  /** Candidates re-evaluated on validation items. */
  candidates: number;
  /** Validation items per candidate. */
  items: number;
  confidence: number;
}

/** Everything a search needs, resolved. */
export interface SearchSetup {
  space: SearchSpace;
  optimizer: OptimizerFactory;
  optimizerName: string;
  seed: number;
  objective: Objective;
  task: { id: string; style: string; description?: string | undefined; items(split: "search" | "validation"): TaskItem[] };
  /** The pool's name or file, for the log. */
  pool: string;
  evaluator: Evaluator;
  agent?: AgentCaller | undefined;
  /** Total graph-item evaluations, selection included. */
  evals: number;
  /** Optional cap on search iterations. */
  iterations?: number | undefined;
  samples?: number | undefined;
  batch?: number | undefined;
  selection: SelectionOptions;
  /** An evaluation with more than this fraction of errored items is `failed`. */
  failureThreshold: number;
  optimizerOptions?: Record<string, unknown> | undefined;
  /** The resolved config, recorded in `run.started`. */
  config?: unknown;
}

export interface RunOptions {
  sink?: EventSink | undefined;
  /** Answers from an earlier log: evaluations and agent calls found here are not run again. */
  memo?: ReplayMemo | undefined;
  /** Counts of what was served from the memo (kept out of the result, which must not depend on it). */
  stats?: RunStats | undefined;
}

export interface RunStats {
  replayedItems: number;
  replayedChats: number;
  evaluatorCalls: number;
}

export function newRunStats(): RunStats {
  return { replayedItems: 0, replayedChats: 0, evaluatorCalls: 0 };
}

export interface SearchResult {
  version: 1;
  optimizer: string;
  seed: number;
  task: string;
  pool: string;
  objective: Objective;
  budget: SearchSpace["budget"];
  best: CandidateReport;
  /** How the best was chosen. */
  selectionRule: string;
  candidates: CandidateReport[];
  /** Graphs no other evaluated graph beats on accuracy, FLOPs and latency together. */
  pareto: ParetoPoint[];
  cost: SearchCost;
  iterations: number;
  evaluatedGraphs: number;
  /**
   * How the evaluation budget was used: evaluations left unspent (0 when the whole `--evals` was
   * spent) and why the search phase ended and anything was left.
   */
  spending: { unspent: number; reason: string };
  /** Best shrunk search utility after each iteration, against evaluations spent. */
  curve: { iteration: number; phase: Phase; evals: number; best: number; bestHash: string }[];
}
