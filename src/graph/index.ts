export * from "./schema.js";
export * from "./topology.js";
export * from "./validate.js";
export * from "./canonical.js";
export * from "./render.js";
export * from "./io.js";
