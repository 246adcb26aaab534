/**
 * What each kind of endpoint supports, decided in one place: whether its responses may be kept in
 * the response cache, and whether it honours a JSON Schema for its output. Built-in kinds have fixed
 * answers; a `module` endpoint declares its own.
 */
import type { Endpoint } from "./spec.js";

export interface ProviderCapabilities {
  /** Responses may be stored and served from the response cache. */
  responseCache: boolean;
  /** The provider honours `CallRequest.responseFormat` (structured output). */
  structuredOutput: boolean;
}

/**
 * The capabilities of an endpoint. The simulator is not cached: its answers depend on the simulated
 * world (profile and seed), which the cache key cannot see, and computing one is cheaper than a
 * lookup. Structured output is asked of OpenAI-compatible servers until one refuses it.
 */
export function endpointCapabilities(endpoint: Endpoint): ProviderCapabilities {
  switch (endpoint.kind) {
    case "openai":
      return { responseCache: true, structuredOutput: true };
    case "gguf":
      return { responseCache: true, structuredOutput: false };
    case "sim":
      return { responseCache: false, structuredOutput: false };
    case "module":
      return { responseCache: endpoint.cache ?? false, structuredOutput: endpoint.structuredOutput ?? false };
  }
}
