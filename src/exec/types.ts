/** What running a graph produces: per-node traces, per-item traces and evaluation summaries. */
import type { Role } from "../graph/schema.js";
import type { ChatMessage, FinishReason } from "../models/provider.js";
import type { Proportion } from "../util/stats.js";

/** What one node did on one item. */
export interface NodeTrace {
  id: string;
  model: string;
  role: Role;
  isOutput: boolean;
  /** The rendered prompt, exactly as sent. */
  prompt: ChatMessage[];
  text: string;
  /** A reasoning model's chain of thought, split off `text` (kept with the text; never shown to successors or the grader). */
  reasoning?: string | undefined;
  /** Answer extracted by the task, or null. */
  answer: string | null;
  promptTokens: number;
  completionTokens: number;
  /** True when a token count was estimated because the provider did not report usage. */
  estimated: boolean;
  flops: number;
  dollars: number | undefined;
  latencyMs: number;
  /** When the node started, relative to the item's start, on the critical-path clock. */
  startMs: number;
  finishReason: FinishReason | "error";
  sampleIndex: number;
  /** Served from the response cache. */
  cached: boolean;
  /** The cache's verdict on this call; undefined when the call was not subject to a cache. */
  cache?: "hit" | "miss" | undefined;
  /** Attempts made (1 when the first try succeeded). */
  attempts: number;
  warnings: string[];
  error?: { code: string; message: string } | undefined;
}

/** What a graph did on one item. */
export interface Trace {
  itemId: string;
  graphHash: string;
  nodes: NodeTrace[];
  /** The output node's extracted answer. */
  answer: string | null;
  output: string;
  /** null when the item errored (an error is never a wrong answer), or when it was run without grading. */
  correct: boolean | null;
  errored: boolean;
  /** Graded, but no answer could be read from the output: wrong, and counted apart from other wrong answers. */
  unreadable: boolean;
  error?: { code: string; message: string; node?: string } | undefined;
  gradeReason?: string | undefined;
  flops: number;
  dollars: number | undefined;
  /** Critical path through the DAG of node latencies. */
  latencyMs: number;
  estimated: boolean;
}

/** A graph's score on a batch of items. */
export interface EvalResult {
  graphHash: string;
  items: number;
  correct: number;
  /** Items whose calls finally failed; kept apart from wrong answers. */
  errored: number;
  /** Wrong items whose output held no readable answer (a subset of the wrong ones). */
  unreadable: number;
  /** correct / (items - errored), with a Wilson interval. */
  accuracy: Proportion;
  meanFlops: number;
  meanUnits: number;
  meanDollars: number | undefined;
  meanLatencyMs: number;
  p95LatencyMs: number;
  calls: number;
  /** Calls whose token counts were estimated. */
  estimatedCalls: number;
  cache: { hits: number; misses: number };
  retries: number;
  traces: Trace[];
}
