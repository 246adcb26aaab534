export * from "./errors.js";
export * from "./schema.js";
export * from "./handler.js";
export * from "./listen.js";
export * from "./ids.js";
