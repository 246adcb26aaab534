/**
 * Cross-cutting behaviour as provider middleware: each wraps a {@link Provider} and returns one, so
 * every provider (OpenAI-compatible, GGUF, simulator) gets the same response cache, global
 * concurrency limit and usage estimates without re-implementing them.
 */
import type { CallRequest, CallResult, Provider } from "../models/provider.js";
import type { Semaphore } from "../models/limiter.js";
import { separateReasoning } from "../models/reasoning.js";
import { cacheKey, type ResponseCache } from "./cache.js";
import { estimatePromptTokens, estimateTextTokens } from "./usage.js";

/** A function from provider to provider. */
export type ProviderMiddleware = (provider: Provider) => Provider;

/** Apply middleware; the first listed is the outermost. */
export function wrapProvider(provider: Provider, ...middleware: ProviderMiddleware[]): Provider {
  return middleware.reduceRight((p, m) => m(p), provider);
}

function derive(inner: Provider, generate: (request: CallRequest) => Promise<CallResult>): Provider {
  return { specificationVersion: inner.specificationVersion, provider: inner.provider, streams: inner.streams, close: inner.close?.bind(inner), generate };
}

/** At most `limiter.limit` calls in flight across every provider sharing the limiter. */
export function withConcurrency(limiter: Semaphore): ProviderMiddleware {
  return (inner) => derive(inner, (request) => limiter.run(() => inner.generate(request), request.signal));
}

/**
 * Fill in token counts the provider did not report with the estimate of `usage.ts`, marking the
 * usage `estimated`. Counts the server did report are never touched.
 */
export function withUsageEstimate(): ProviderMiddleware {
  return (inner) =>
    derive(inner, async (request) => {
      const r = await inner.generate(request);
      const { promptTokens, completionTokens } = r.usage;
      if (promptTokens !== undefined && completionTokens !== undefined) return r;
      return {
        ...r,
        usage: {
          ...r.usage,
          promptTokens: promptTokens ?? estimatePromptTokens(request.messages),
          // Reasoning was generated too: its tokens count.
          completionTokens: completionTokens ?? estimateTextTokens(r.reasoning ? r.reasoning + r.text : r.text),
          estimated: true,
        },
      };
    });
}

/**
 * Split a reasoning model's chain of thought off the text (see `models/reasoning.ts`), so the task's
 * extraction, the grader and successor nodes read the answer only. It sits above the cache, which
 * keeps what the server sent.
 */
export function withReasoning(): ProviderMiddleware {
  return (inner) => derive(inner, async (request) => separateReasoning(await inner.generate(request), request.model.reasoning));
}

/**
 * Serve repeated calls from the cache; store successful responses. Identical calls in flight at the
 * same time (e.g. two graphs sharing a node, evaluated at once) share one request; if that request
 * fails, each waiter makes its own call, since errors are never shared or stored. A hit keeps the
 * latency measured when the response was first obtained, so a cached rerun reports the same latency.
 */
export function withCache(cache: ResponseCache): ProviderMiddleware {
  const inFlight = new Map<string, Promise<CallResult>>();
  return (inner) =>
    derive(inner, async (request) => {
      const key = cacheKey(request);
      const stored = cache.get(key);
      if (stored) return { ...stored, attempts: 0, cache: "hit" };
      const pending = inFlight.get(key);
      if (pending) {
        try {
          const shared = await pending;
          return { ...shared, attempts: 0, cache: "hit" };
        } catch {
          // fall through to a call of our own
        }
      }
      const call = inner.generate(request);
      inFlight.set(key, call);
      try {
        const result = await call;
        cache.put(key, request.model.id, result);
        return { ...result, cache: "miss" };
      } finally {
        if (inFlight.get(key) === call) inFlight.delete(key);
      }
    });
}
