/**
 * tts-graph: find and run the compute-optimal multi-LLM collaboration graph for a task under a fixed
 * inference budget. The public API is re-exported here; deep imports are not part of the contract.
 */
export * from "./errors.js";
export * from "./graph/index.js";
export * from "./cost/index.js";
export * from "./models/spec.js";
export * from "./models/provider.js";
export * from "./models/errors.js";
export * from "./models/pool.js";
export * from "./tasks/types.js";
export * from "./tasks/index.js";
export * from "./exec/index.js";
export { createOpenAIProvider, type OpenAIProviderOptions } from "./models/openai.js";
export { probeModel, probePool, type ProbeResult, type ProbeOptions } from "./models/probe.js";
export { withRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./models/retry.js";
export { Semaphore } from "./models/limiter.js";
export { GgufProvider, readGgufFacts, ggufSeed, type GgufProviderOptions, type GgufFacts } from "./models/gguf.js";
export { writeGguf, float32ToFloat16Bits, float16BitsToNumber, type GgufFile, type GgufTensor, type GgufValue, type GgufTensorType } from "./models/gguf-writer.js";
export { llamaGguf, exportTinyModel, readTinyModel, CONCAT_CHAT_TEMPLATE, type LlamaGgufSpec, type LlamaConfig, type TorchTensor } from "./models/gguf-llama.js";
export { createArithTask, arithPrompt, extractArith, gradeArith, ARITH_TASK_ID, ARITH_MAX_REFINE, ARITH_MAX_FUSE, type ArithTaskOptions } from "./tasks/arith.js";
export { resolveProviders, type ResolveProvidersOptions } from "./resolve.js";
export * from "./sim/index.js";
export { resolveSimWorld } from "./resolve.js";
export * from "./search/index.js";
export * from "./agent/index.js";
export { wilson, type Proportion } from "./util/stats.js";
export { Rng } from "./util/rng.js";
export { VERSION } from "./version.js";
export * from "./runs/index.js";
export { writeReport, buildReport, BREAK_EVEN_DEFINITION, type ReportOptions, type ReportFiles, type BreakEven } from "./report/index.js";
export { createServeHandler, listen, sumUsage, uniqueIds, graphModelName, HttpError, DEFAULT_MAX_BODY_BYTES, type ServedGraph, type ServeHandler, type ServeHandlerOptions, type ServedTrace, type ServedNodeTrace, type ChatUsage, type ListenOptions, type RunningServer, type OpenAIErrorBody } from "./serve/index.js";
