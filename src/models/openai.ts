/**
 * The OpenAI-compatible provider (vLLM, SGLang, llama.cpp's server, Ollama's /v1, hosted APIs),
 * through the official `openai` client. One call is one completion (no `n`): repeated samples are
 * separate calls told apart by their sample index and seed. The client's own retries are off; ours
 * (`withRetry`) decide retryability once, count attempts and honour Retry-After. Each endpoint has
 * its own concurrency limit, held per attempt so a backoff wait does not block other calls.
 * `latencyMs` is the wall-clock time of the attempt that succeeded: failed attempts and backoff waits
 * are counted in `attempts`, not in latency, so a graph's latency does not depend on rate limits.
 */
import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { ProviderCallError, ProviderConfigError } from "./errors.js";
import { Semaphore } from "./limiter.js";
import { ChatChunkSchema, convertUsage, mapFinishReason, parseChatCompletion, type ChatCompletion } from "./openai-response.js";
import type { CallRequest, CallResult, Provider } from "./provider.js";
import { withCircuitBreaker, type BreakerOptions } from "./breaker.js";
import { tokenLimit } from "./reasoning.js";
import { ReplicaSet, type Replica, type ReplicaOptions } from "./replicas.js";
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from "./retry.js";
import { DEFAULT_ENDPOINT_CONCURRENCY, type ModelSpec } from "./spec.js";

export type OpenAIEndpoint = Extract<ModelSpec["endpoint"], { kind: "openai" }>;

export interface OpenAIProviderOptions {
  /** Where API keys are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Overrides of the retry policy; the endpoint's `maxRetries` wins over `retry.maxRetries`. */
  retry?: Partial<RetryPolicy> | undefined;
  /** Per-attempt timeout when the endpoint sets none. */
  timeoutMs?: number | undefined;
  /** Requests in flight per endpoint when the endpoint sets none. */
  concurrency?: number | undefined;
  /** Injected `fetch`, e.g. to route through a proxy. */
  fetch?: typeof fetch | undefined;
  /** Cool-downs of failed replicas. */
  replicas?: ReplicaOptions | undefined;
  /** When a model's endpoint is taken to be down. */
  breaker?: BreakerOptions | undefined;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
export { DEFAULT_ENDPOINT_CONCURRENCY };
/** Sent as the key to servers that need none; the variable named by `apiKeyEnv` overrides it. */
const PLACEHOLDER_KEY = "no-key";

/** The API key for an endpoint: the named variable (default OPENAI_API_KEY), else a placeholder for local servers. */
export function apiKeyFor(modelId: string, endpoint: OpenAIEndpoint, env: NodeJS.ProcessEnv = process.env): string {
  const name = endpoint.apiKeyEnv ?? "OPENAI_API_KEY";
  const value = env[name];
  if (value !== undefined && value !== "") return value;
  if (endpoint.apiKeyEnv !== undefined) {
    throw new ProviderConfigError(
      `model "${modelId}": its endpoint reads the API key from the environment variable ${name}, which is not set; set ${name}, or remove apiKeyEnv from the pool entry if the server needs no key`,
      `models.${modelId}.endpoint.apiKeyEnv`,
    );
  }
  return PLACEHOLDER_KEY;
}

/** An `openai` client for an endpoint, with the client's own retries off. */
export function openAIClient(modelId: string, endpoint: OpenAIEndpoint, options: OpenAIProviderOptions = {}): OpenAI {
  return new OpenAI({
    apiKey: apiKeyFor(modelId, endpoint, options.env),
    baseURL: endpoint.baseURL,
    maxRetries: 0,
    timeout: endpoint.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    organization: null,
    project: null,
    ...(endpoint.headers ? { defaultHeaders: endpoint.headers } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** Milliseconds from `retry-after-ms`, else `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get("retry-after");
  if (ra === null || ra.trim() === "") return undefined;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function bodyText(err: APIError): string | undefined {
  if (err.error === undefined) return undefined;
  return typeof err.error === "string" ? err.error : JSON.stringify(err.error);
}

function snippet(text: string, n = 200): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > n ? `${t.slice(0, n)}...` : t;
}

/** What servers say when a prompt (plus the token limit) is over the model's context. */
const CONTEXT_OVERFLOW = /context length|context window|maximum context|exceeds the (available )?context|too many tokens|prompt is too long/i;

/** Turn whatever the client threw into a ProviderCallError with retryability decided. */
function mapError(err: unknown, url: string, modelId: string, timedOut: boolean, timeoutMs: number): ProviderCallError {
  if (err instanceof ProviderCallError) return err;
  if (timedOut || err instanceof APIConnectionTimeoutError) {
    return new ProviderCallError(`${modelId}: no response from ${url} within ${timeoutMs} ms`, { url, isRetryable: true, code: "timeout", cause: err });
  }
  if (err instanceof APIUserAbortError) {
    return new ProviderCallError(`${modelId}: the call was cancelled`, { url, isRetryable: false, code: "aborted", cause: err });
  }
  if (err instanceof APIError && err.status !== undefined) {
    const hint = err.status === 401 ? " (check the API key: set the variable named by the endpoint's apiKeyEnv, default OPENAI_API_KEY)" : err.status === 404 ? " (check the endpoint's baseURL and model name)" : "";
    // Some servers answer a prompt over the context with a 5xx: it fails the same way on every retry.
    const deterministic = err.status >= 500 && CONTEXT_OVERFLOW.test(`${err.message} ${bodyText(err) ?? ""}`);
    return new ProviderCallError(`${modelId}: ${url} answered HTTP ${err.status}: ${snippet(err.message)}${hint}`, {
      url,
      status: err.status,
      ...(deterministic ? { isRetryable: false, code: "context_overflow" } : {}),
      ...(bodyText(err) !== undefined ? { responseBody: bodyText(err)! } : {}),
      ...(retryAfterMs(err.headers) !== undefined ? { retryAfterMs: retryAfterMs(err.headers)! } : {}),
      cause: err,
    });
  }
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderCallError(`${modelId}: could not reach ${url}: ${message}${cause}`, { url, isRetryable: true, code: "connection", cause: err });
}

/** The body of a chat call: the rendered messages with the call's sampling. */
function chatParams(endpoint: OpenAIEndpoint, request: CallRequest): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  const s = request.sampling;
  return {
    model: endpoint.model,
    messages: request.messages,
    temperature: s.temperature,
    ...tokenLimit(request.model.reasoning, s.maxTokens),
    ...(s.topP !== undefined ? { top_p: s.topP } : {}),
    ...(s.stop !== undefined ? { stop: s.stop } : {}),
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
    ...(request.responseFormat ? { response_format: { type: "json_schema" as const, json_schema: { name: request.responseFormat.name, schema: request.responseFormat.schema as Record<string, unknown>, strict: false } } } : {}),
  };
}

/**
 * A streamed call: each piece of content is told to `onText` as it arrives, usage is asked for in a
 * last chunk (servers that do not send it leave the counts to the estimate). Once some text has been
 * told, a failure is not retryable: a retry would tell the listener a second, different text.
 */
async function streamedCall(
  client: OpenAI,
  params: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
  onText: (delta: string, atMs: number) => void,
  at: { modelId: string; url: string; timeoutMs: number; signal: AbortSignal; started: number },
): Promise<CallResult> {
  let text = "";
  let finish: string | null | undefined;
  let usage: ChatCompletion["usage"];
  try {
    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, { signal: at.signal, timeout: at.timeoutMs });
    for await (const raw of stream) {
      const chunk = ChatChunkSchema.safeParse(raw);
      if (!chunk.success) throw new ProviderCallError(`${at.modelId}: ${at.url} sent a stream chunk of the wrong shape: ${chunk.error.issues[0]?.message ?? "unknown"}`, { url: at.url, isRetryable: false, code: "bad_response" });
      const choice = chunk.data.choices[0];
      const delta = choice?.delta?.content;
      if (delta) {
        text += delta;
        onText(delta, performance.now() - at.started);
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.data.usage) usage = chunk.data.usage;
    }
  } catch (err) {
    if (text === "" || err instanceof ProviderCallError) throw err;
    const e = err as Error;
    throw new ProviderCallError(`${at.modelId}: the stream from ${at.url} broke after ${text.length} characters: ${e.message}`, { url: at.url, isRetryable: false, code: "stream_broken", cause: err });
  }
  return { text, finishReason: mapFinishReason(finish), rawFinishReason: finish ?? undefined, usage: convertUsage(usage), latencyMs: performance.now() - at.started, warnings: [] };
}

/** One attempt, no retries, no limit. */
function singleAttempt(modelId: string, endpoint: OpenAIEndpoint, client: OpenAI, timeoutMs: number): Provider {
  const url = `${endpoint.baseURL.replace(/\/+$/, "")}/chat/completions`;
  return {
    specificationVersion: "v1",
    provider: "openai-compatible",
    streams: true,
    async generate(request: CallRequest): Promise<CallResult> {
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error("timeout"));
      }, timeoutMs);
      const onAbort = () => controller.abort(request.signal?.reason);
      request.signal?.addEventListener("abort", onAbort, { once: true });
      const started = performance.now();
      try {
        if (request.onText) return await streamedCall(client, chatParams(endpoint, request), request.onText, { modelId, url, timeoutMs, signal: controller.signal, started });
        const response = await client.chat.completions
          .create(chatParams(endpoint, request), { signal: controller.signal, timeout: timeoutMs })
          .asResponse();
        let text: string;
        try {
          text = await response.text();
        } catch (err) {
          if (timedOut) {
            throw new ProviderCallError(`${modelId}: ${url} stalled while sending its response: not complete within ${timeoutMs} ms`, { url, status: response.status, isRetryable: true, code: "timeout", cause: err });
          }
          throw new ProviderCallError(`${modelId}: the connection to ${url} broke while reading the response`, { url, status: response.status, isRetryable: true, code: "connection", cause: err });
        }
        let data: unknown;
        try {
          data = JSON.parse(text);
        } catch {
          const jsonType = /json/i.test(response.headers.get("content-type") ?? "");
          throw new ProviderCallError(
            `${modelId}: ${url} sent a response that is not valid JSON (${jsonType ? "truncated or corrupt" : `content-type ${response.headers.get("content-type") ?? "none"}`}): ${snippet(text) || "(empty body)"}`,
            { url, status: response.status, responseBody: text, isRetryable: jsonType, code: "bad_response" },
          );
        }
        const parsed = parseChatCompletion(data);
        if (!parsed.ok) {
          throw new ProviderCallError(`${modelId}: ${url} sent a chat completion of the wrong shape: ${parsed.reason}`, {
            url,
            status: response.status,
            responseBody: text,
            isRetryable: false,
            code: "bad_response",
          });
        }
        const choice = parsed.value.choices[0]!;
        const reasoning = choice.message.reasoning_content ?? choice.message.reasoning ?? undefined;
        return {
          text: choice.message.content,
          ...(reasoning ? { reasoning } : {}),
          finishReason: mapFinishReason(choice.finish_reason),
          rawFinishReason: choice.finish_reason ?? undefined,
          usage: convertUsage(parsed.value.usage),
          latencyMs: performance.now() - started,
          warnings: [],
        };
      } catch (err) {
        throw mapError(err, url, modelId, timedOut, timeoutMs);
      } finally {
        clearTimeout(timer);
        request.signal?.removeEventListener("abort", onAbort);
      }
    },
  };
}

/** The replicas of a pool model whose endpoints are OpenAI-compatible, each with its client and its limit. */
export function openAIReplicas(model: ModelSpec, options: OpenAIProviderOptions = {}): ReplicaSet {
  const endpoints = model.endpoints ?? [model.endpoint];
  const replicas = endpoints.map((endpoint, index): Replica => {
    if (endpoint.kind !== "openai") throw new ProviderConfigError(`model "${model.id}" is not an OpenAI-compatible endpoint (kind ${endpoint.kind})`);
    const client = openAIClient(model.id, endpoint, options);
    const timeoutMs = endpoint.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const limit = new Semaphore(endpoint.concurrency ?? options.concurrency ?? DEFAULT_ENDPOINT_CONCURRENCY);
    return { index, url: endpoint.baseURL, limit, attempt: singleAttempt(model.id, endpoint, client, timeoutMs) };
  });
  return new ReplicaSet(model.id, replicas, options.replicas);
}

/**
 * A provider for a pool model whose endpoint (or replicas) is OpenAI-compatible: each attempt goes
 * to one replica within its limit, failed attempts are retried (on another replica when one is
 * healthy), and calls that keep failing after their retries open the model's circuit breaker.
 *
 * @example
 * ```ts
 * import { createOpenAIProvider, type ModelSpec } from "tts-graph";
 *
 * const model: ModelSpec = { id: "qwen", family: "qwen", params: 7e9, layers: 28, hidden: 3584, endpoint: { kind: "openai", baseURL: "http://127.0.0.1:8000/v1", model: "Qwen/Qwen2.5-7B-Instruct" } };
 * const provider = createOpenAIProvider(model, { timeoutMs: 60_000 });
 * const r = await provider.generate({ model, messages: [{ role: "user", content: "2+2?" }], sampling: { temperature: 0, maxTokens: 16 }, sampleIndex: 0 });
 * console.log(r.text, r.usage);
 * ```
 */
export function createOpenAIProvider(model: ModelSpec, options: OpenAIProviderOptions = {}): Provider {
  const set = openAIReplicas(model, options);
  const routed: Provider = { specificationVersion: "v1", provider: "openai-compatible", streams: true, generate: (request) => set.generate(request) };
  const maxRetries = model.endpoint.kind === "openai" ? model.endpoint.maxRetries : undefined;
  // A failed replica is left for another on the retry, so a model with replicas retries at least once per replica.
  const retries = { ...options.retry, ...(maxRetries !== undefined ? { maxRetries } : {}) };
  if (set.replicas.length > 1) retries.maxRetries = Math.max(retries.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries, set.replicas.length);
  return withCircuitBreaker(withRetry(routed, retries), model.id, options.breaker);
}
