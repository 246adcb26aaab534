/** What an evaluation gives back: per-item outcomes and their aggregate, and an agent reply (used by the event log and the optimizers alike). */

/** What a graph did on one item (a compact form of the executor's trace). */
export interface ItemOutcome {
  itemId: string;
  /** null when the item errored: an error is never a wrong answer. */
  correct: boolean | null;
  errored: boolean;
  flops: number;
  latencyMs: number;
  dollars: number | undefined;
  /** Model calls made (the graph's nodes that ran). */
  calls: number;
  /** Attempts beyond the first of those calls (absent when none were retried). */
  retries?: number | undefined;
  error?: string | undefined;
  /** Present (true) when the output held no readable answer. */
  unreadable?: true | undefined;
}

/** A graph's aggregate on some items. */
export interface Score {
  items: number;
  correct: number;
  errored: number;
  /** correct / (items - errored); NaN when nothing was graded. */
  accuracy: number;
  meanFlops: number;
  meanLatencyMs: number;
  meanDollars: number | undefined;
  /** The objective's value (higher is better); NaN when the evaluation failed. */
  utility: number;
}

export type EvalStatus = "ok" | "failed" | "rejected";

/** What evaluations are for; `selection` is the harness's own final validation. */
export type Phase = "probe" | "pretest" | "search" | "selection";

export interface AgentChatResponse {
  text: string;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  latencyMs: number;
}
