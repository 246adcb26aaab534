/**
 * The contracts of the search: what an optimizer proposes, what it is told, and the interface every
 * optimizer implements. Optimizers never call the executor or a provider; the harness evaluates
 * their proposals and reports scores back (ask and tell).
 */
import type { Graph } from "../graph/schema.js";
import type { ChatMessage } from "../tasks/types.js";
import type { Genome, SearchSpace } from "./space.js";
import type { Objective } from "./objective.js";
import type { SearchEvent } from "./events.js";
import type { AgentChatResponse, EvalStatus, ItemOutcome, Phase, Score } from "./outcomes.js";

export type { AgentChatResponse, EvalStatus, ItemOutcome, Phase, Score } from "./outcomes.js";

/** A graph an optimizer wants evaluated. */
export interface ProposalDraft {
  graph: Graph;
  /** The point of the space it came from, when it came from one. */
  genome?: Genome | undefined;
  /** Why it was proposed: `sample`, `elite`, `probe`, `pretest`, `mutation`, `llm-edit`, ... */
  origin: string;
}

/** A proposal the harness accepted: with an id and the graph's canonical hash. */
export interface Proposal extends ProposalDraft {
  /** `p<iteration>.<index>`, unique in a run. */
  id: string;
  hash: string;
  iteration: number;
}




/** The result the harness tells an optimizer about one proposal. */
export interface EvalOutcome {
  proposal: Proposal;
  /** `failed`: too many items errored, treat as missing data; `rejected`: invalid or over budget, never ran. */
  status: EvalStatus;
  /** Per item on this iteration's batch, in batch order (empty when rejected). */
  items: ItemOutcome[];
  /** On this iteration's batch. */
  batch: Score;
  /** Over every search item this graph (by hash) has been evaluated on so far. */
  total: Score;
  reason?: string | undefined;
}

/** What the harness tells the optimizer when asking. */
export interface AskRequest {
  iteration: number;
  /** Graphs per iteration (the config's `samples`, else the optimizer's default). */
  samples: number;
  /** Search items per iteration. */
  batch: number;
  /** Graph-item evaluations left for the search phase (selection is reserved apart). */
  remainingEvals: number;
}


/** An optimizer's answer to `ask`. */
export interface AskBatch {
  proposals: ProposalDraft[];
  /** Items to evaluate these proposals on (default: the request's `batch`). */
  items?: number | undefined;
  /** What the evaluations are for; initialisation probes and pretests count as search cost too. */
  phase?: Exclude<Phase, "selection"> | undefined;
}

/** An LLM call made on the optimizer's behalf; the harness records and replays it. */
export interface AgentChatRequest {
  /** e.g. `init`, `update`, `edit`; part of the replay key. */
  purpose: string;
  messages: ChatMessage[];
  /** Ask for structured output with this JSON Schema where the server supports it. */
  jsonSchema?: { name: string; schema: unknown } | undefined;
  maxTokens?: number | undefined;
  temperature?: number | undefined;
}


/** The one way an optimizer reaches an LLM: through the harness, so calls are logged and replayable. */
export interface AgentChannel {
  /** The agent model's id. */
  readonly model: string;
  chat(request: AgentChatRequest): Promise<AgentChatResponse>;
}

/** What an optimizer is built with. */
export interface OptimizerContext {
  space: SearchSpace;
  seed: number;
  objective: Objective;
  task: { id: string; style: string; description?: string | undefined };
  /** The LLM agent, when one is configured. */
  llm?: AgentChannel | undefined;
  /** Record an event (feedback, rejected agent output, fallbacks) in the run's log. */
  emit(event: SearchEvent): void;
  /** Optimizer options from the config (`optimizerOptions`). */
  options: Record<string, unknown>;
}

/** Every search method implements this. */
export interface Optimizer {
  readonly name: string;
  /** Graphs per iteration and items per iteration when the config does not say. */
  readonly defaults: { samples: number; batch: number };
  ask(request: AskRequest): Promise<AskBatch>;
  /** Report results; each proposal exactly once. */
  tell(results: EvalOutcome[]): Promise<void>;
  /** State for the `optimizer.updated` event (e.g. the distribution's logits). */
  snapshot?(): unknown;
  /** Graphs the method itself would return (e.g. the distribution's mode), considered at selection. */
  finalists?(): ProposalDraft[];
}

export type OptimizerFactory = (ctx: OptimizerContext) => Optimizer;
