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

/**
 * What a call is for when it runs a node of a graph. The executor sets it on every node's call; calls
 * made outside a graph (an optimizer agent's) have none. A provider that only reads `messages`, as a
 * real server does, can ignore it; the simulator answers from it.
 */
export interface CallMetadata {
  role: Role;
  /** True for the graph's output node. */
  isOutput: boolean;
  style: TaskStyle;
  taskId: string;
  /** The question being answered (id and text; never the gold answer). */
  item: { id: string; question: string };
  /** The predecessors' answers the messages were rendered from. */
  references: Reference[];
}

/** One call: a model, the messages it is sent, and how to sample. */
export interface CallRequest {
  model: ModelSpec;
  messages: ChatMessage[];
  sampling: SamplingParams;
  /**
   * Distinguishes repeated samples of the same prompt (parallel identical nodes, self-consistency):
   * the k-th identical call gets index k, so caches keep them apart and seeded servers vary them.
   */
  sampleIndex: number;
  /** Ask for output matching this JSON Schema where the provider supports structured output (the optimizer agent's replies). */
  responseFormat?: { name: string; schema: unknown } | undefined;
  signal?: AbortSignal | undefined;
  /** The graph node this call runs, when it runs one. */
  metadata?: CallMetadata | undefined;
  /**
   * Told each piece of the text as it is generated, with the time since the call began (simulated by
   * the simulator), by providers that stream ({@link Provider.streams}); others never call it. The
   * result's `text` is the whole text either way: the pieces are a preview, not the answer.
   */
  onText?: ((delta: string, atMs: number) => void) | undefined;
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

/**
 * Something that can run one model call. Throws {@link ProviderCallError} (or RetryError) on failure.
 *
 * @example
 * ```ts
 * import type { Provider } from "tts-graph";
 *
 * const shout: Provider = {
 *   specificationVersion: "v1",
 *   provider: "shout",
 *   async generate(request) {
 *     const text = request.messages.at(-1)!.content.toUpperCase();
 *     return { text, finishReason: "stop", usage: { promptTokens: undefined, completionTokens: undefined }, latencyMs: 0, warnings: [] };
 *   },
 * };
 * ```
 */
export interface Provider {
  readonly specificationVersion: "v1";
  /** `openai-compatible`, `gguf`, `sim`, `module`, ... */
  readonly provider: string;
  /** True when `generate` reports the text as it is generated through `request.onText`. */
  readonly streams?: boolean | undefined;
  generate(request: CallRequest): Promise<CallResult>;
  /** Release resources (sockets, loaded weights). */
  close?(): Promise<void>;
}

/** Gives the provider for a pool model. The executor never constructs providers itself. */
export type ProviderResolver = (model: ModelSpec) => Provider;
