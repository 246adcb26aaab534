/**
 * The provider boundary: one call of one model. The OpenAI-compatible client, the embedded GGUF
 * runner and the simulator all implement {@link Provider}; the executor and the optimizers only ever
 * see this interface, obtained through a {@link ProviderResolver}.
 */
import type { Role } from "../graph/schema.js";
import type { ChatMessage, Reference, TaskStyle } from "../tasks/types.js";

export type { ChatMessage, Reference };
import type { ModelSpec } from "./spec.js";

export interface SamplingParams {
  temperature: number;
  maxTokens: number;
  topP?: number | undefined;
  /** Strings that end generation (left out of the text). */
  stop?: string[] | undefined;
  /** Sent to servers that support seeded sampling; derived from the run seed and the sample index. */
  seed?: number | undefined;
}

/** One call. The rendered `messages` are what a real server sees; the other fields describe them. */
export interface CallRequest {
  model: ModelSpec;
  messages: ChatMessage[];
  role: Role;
  /** True for the graph's output node. */
  isOutput: boolean;
  style: TaskStyle;
  taskId: string;
  /** The question being answered (id and text; never the gold answer). */
  item: { id: string; question: string };
  references: Reference[];
  sampling: SamplingParams;
  /**
   * Distinguishes repeated samples of the same prompt (parallel identical nodes, self-consistency):
   * the k-th identical call gets index k, so caches keep them apart and seeded servers vary them.
   */
  sampleIndex: number;
  /** Ask for output matching this JSON Schema where the server supports structured output (the optimizer agent's replies). */
  responseFormat?: { name: string; schema: unknown } | undefined;
  signal?: AbortSignal | undefined;
}

export type FinishReason = "stop" | "length" | "content_filter" | "other";

export interface Usage {
  /** undefined means the server did not say; never confused with 0. */
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  /** The server's own usage object, kept for debugging. */
  raw?: unknown;
  /** Set by the usage-estimate middleware when it filled in a count the server did not report. */
  estimated?: boolean | undefined;
}

export interface CallResult {
  /** The answer: the generated text without any reasoning. */
  text: string;
  /** A reasoning model's chain of thought, split off the text (its tokens are in the usage). */
  reasoning?: string | undefined;
  finishReason: FinishReason;
  /** The server's own finish reason string. */
  rawFinishReason?: string | undefined;
  usage: Usage;
  /** Wall-clock latency of the call, or the simulated latency for the simulator. */
  latencyMs: number;
  /** Settings the provider could not honour, and similar notes. */
  warnings: string[];
  /** Attempts made, when the provider retries (1 when the first try succeeded). */
  attempts?: number | undefined;
  /** Set by the response-cache middleware: served from the cache, or looked up and missed. */
  cache?: "hit" | "miss" | undefined;
}

/** Something that can run one model call. Throws {@link ProviderCallError} (or RetryError) on failure. */
export interface Provider {
  readonly specificationVersion: "v1";
  /** `openai-compatible`, `gguf`, `sim`, ... */
  readonly provider: string;
  generate(request: CallRequest): Promise<CallResult>;
  /** Release resources (sockets, loaded weights). */
  close?(): Promise<void>;
}

/** Gives the provider for a pool model. The executor never constructs providers itself. */
export type ProviderResolver = (model: ModelSpec) => Provider;
