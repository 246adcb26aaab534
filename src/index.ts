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
export * from "./exec/types.js";
export { wilson, type Proportion } from "./util/stats.js";
export { Rng } from "./util/rng.js";
export { VERSION } from "./version.js";
