/**
 * Models and the provider boundary: pool files and model specs, the provider interface, the
 * OpenAI-compatible provider, provider modules, retries, endpoint probes and capabilities. The
 * embedded GGUF runner has its own entry (`tts-graph/gguf`), since it needs an optional package.
 */
export * from "./spec.js";
export * from "./provider.js";
export * from "./errors.js";
export * from "./pool.js";
export * from "./capabilities.js";
export { createOpenAIProvider, openAIClient, apiKeyFor, DEFAULT_TIMEOUT_MS, DEFAULT_ENDPOINT_CONCURRENCY, type OpenAIProviderOptions, type OpenAIEndpoint } from "./openai.js";
export { moduleProvider, checkProviderModule, type CustomProvider, type CustomCallResult, type ProviderFactory, type ProviderModuleContext, type ModuleEndpointSource } from "./module.js";
export { probeModel, probePool, type ProbeResult, type ProbeOptions } from "./probe.js";
export { withRetry, retryDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";
export { Semaphore } from "./limiter.js";
