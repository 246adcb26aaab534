/**
 * The optimizer agent of Agent-REINFORCE. It initialises the search (which model multisets to
 * pretest, from single-model probes: the paper's Insight 1) and, every iteration, turns the scored
 * samples into feedback and a bounded update of the probabilistic graph (guided by Insights 2 and 3).
 * The rule agent and the LLM agent return exactly the same types, so the search cannot tell them
 * apart.
 */
import type { Graph } from "../../../graph/schema.js";
import type { ProbGraph } from "../../distribution.js";
import type { Objective } from "../../objective.js";
import type { Genome, SearchSpace } from "../../space.js";
import type { Score } from "../../types.js";
import type { AgentUpdate, InitDecision } from "./update.js";

export type { AgentUpdate, InitDecision };

/** A pool model answering alone on the probe items. */
export interface ModelProbe {
  model: string;
  family: string;
  params: number;
  /** Budget units of one call alone. */
  units: number;
  items: number;
  correct: number;
  accuracy: number;
  meanLatencyMs: number;
}

/** A model multiset the agent may choose to pretest, with the graph it would be tried as. */
export interface CandidateMultiset {
  /** `m1`, `m2`, ... */
  id: string;
  /** A model alone; workers led by the strongest member as an assistant output; or workers fused by the output (a weaker model, or one more copy of the workers' own model). */
  kind: "single" | "lead" | "fuse";
  /** Model id -> count, output node included. */
  counts: Record<string, number>;
  nodes: number;
  /** Budget units of the graph it is tried as. */
  units: number;
  /** The graph it is tried as: workers feeding the output. */
  graph: Graph;
  genome: Genome;
}

export interface TaskInfo {
  id: string;
  style: string;
  description?: string | undefined;
}

export interface InitInput {
  task: TaskInfo;
  space: SearchSpace;
  objective: Objective;
  probes: ModelProbe[];
  candidates: CandidateMultiset[];
  /** How many candidates to choose. */
  pick: number;
  /** Whether the paper's insights guide the choice (false for the ablation). */
  insights: boolean;
}

/** A graph scored in the current iteration. */
export interface SampleReport {
  id: string;
  hash: string;
  origin: string;
  genome: Genome;
  graph: Graph;
  /** On this iteration's batch (every sample saw the same items). */
  batch: Score;
  /** On every search item it has been evaluated on. */
  total: Score;
  width: number;
  depth: number;
  nodes: number;
  units: number;
}

export interface IterationSummary {
  iteration: number;
  best: number;
  mean: number;
  bestHash: string;
}

export interface UpdateInput {
  iteration: number;
  task: TaskInfo;
  space: SearchSpace;
  objective: Objective;
  /** The current distribution (read only; the search applies the update). */
  dist: ProbGraph;
  samples: SampleReport[];
  /** The best graph so far (by all its items), when it was re-evaluated on this batch. */
  incumbent?: SampleReport | undefined;
  history: IterationSummary[];
  insights: boolean;
}

export interface Agent {
  /** `rules`, or the LLM's model id. */
  readonly name: string;
  initialise(input: InitInput, iteration: number): Promise<InitDecision>;
  update(input: UpdateInput): Promise<AgentUpdate>;
}
