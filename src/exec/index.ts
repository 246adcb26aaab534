export * from "./types.js";
export * from "./cache.js";
export * from "./context.js";
export * from "./middleware.js";
export * from "./run.js";
export * from "./evaluate.js";
export * from "./usage.js";
