/** Evaluations across machines: a BullMQ queue on Redis between one coordinator and many workers. */
export * from "./jobs.js";
export * from "./evaluator.js";
export * from "./worker.js";
export * from "./cache.js";
export * from "./limit.js";
export * from "./status.js";
export { checkReachable } from "./redis.js";
export { redisConnection } from "./redis.js";
