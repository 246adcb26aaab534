export * from "./flops.js";
export * from "./tokens.js";
export * from "./paper.js";
export * from "./plan.js";
export * from "./budget.js";
export * from "./ledger.js";
