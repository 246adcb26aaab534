/** Search cost accounting: graph-item evaluations by phase, the graphs' own cost, and the agent's LLM use. */
import type { ItemOutcome, Phase } from "./types.js";

export interface SearchCost {
  /** Graph-item evaluations, the unit of equal search cost. */
  evals: { total: number; probe: number; pretest: number; search: number; selection: number };
  /** Model calls made by the evaluated graphs. */
  graphCalls: number;
  /** Retried attempts of those calls (rate limits, timeouts, server errors that later succeeded or not). */
  graphRetries: number;
  /** Graph-item evaluations whose calls finally failed: scored as errored, never as wrong. */
  erroredItems: number;
  graphFlops: number;
  graphDollars: number | undefined;
  /** The optimizer agent's own LLM use, kept apart from the graphs' cost. */
  agent: { calls: number; failedCalls: number; promptTokens: number; completionTokens: number; rejected: number; fallbacks: number };
}

export function newSearchCost(): SearchCost {
  return {
    evals: { total: 0, probe: 0, pretest: 0, search: 0, selection: 0 },
    graphCalls: 0,
    graphRetries: 0,
    erroredItems: 0,
    graphFlops: 0,
    graphDollars: 0,
    agent: { calls: 0, failedCalls: 0, promptTokens: 0, completionTokens: 0, rejected: 0, fallbacks: 0 },
  };
}

/** Add what newly evaluated items cost the graphs (dollars become unknown once one item's are). */
export function addItemCosts(cost: SearchCost, outcomes: readonly ItemOutcome[]): void {
  for (const o of outcomes) {
    cost.graphCalls += o.calls;
    cost.graphRetries += o.retries ?? 0;
    if (o.errored) cost.erroredItems++;
    cost.graphFlops += o.flops;
    cost.graphDollars = cost.graphDollars === undefined || o.dollars === undefined ? undefined : cost.graphDollars + o.dollars;
  }
}

/** Count evaluations spent in a phase. */
export function addEvals(cost: SearchCost, phase: Phase, n: number): void {
  cost.evals[phase] += n;
  cost.evals.total += n;
}
