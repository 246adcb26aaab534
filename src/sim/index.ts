/** The simulated world: profiles, the world, its task and provider, ground truth and insights. */
export {
  SimProfileSchema,
  SimModelSchema,
  SIM_PROFILE_VERSION,
  BUILTIN_SIM_PROFILES,
  parseSimProfile,
  loadSimProfile,
  builtinSimProfile,
  resolveSimProfile,
  isSimProfileFile,
  type SimProfile,
  type SimModelProfile,
} from "./profile.js";
export { SimWorld, createSimWorld, type SimItem, type SimModel } from "./world.js";
export { simProvider, simRoutingProvider, simModelId } from "./provider.js";
export { createSimTask, isSimTask, type SimTask } from "./task.js";
export { simTruth, compileGraph, runCompiled, RunScratch, DEFAULT_TRUTH_ITEMS, DEFAULT_MAX_TOKENS, type SimTruth, type TruthOptions, type CompiledGraph, type ItemRun } from "./truth.js";
export { simPool, profilePool, poolSimMaps, SIM_POOLS, type SimPoolName } from "./pools.js";
export { randomGraph, layeredGraph, paperRoles, PAPER_EDGE_PROBABILITY } from "./graphs.js";
/** Seeded random numbers, as `randomGraph` and the perturbed profiles draw them. */
export { Rng } from "../util/rng.js";
export { singleAccuracy, multisetAccuracy, layeredAccuracy, equalBudgetCombinations, type Estimate, type Combination } from "./experiments.js";
export { taskInsights, summariseInsights, type TaskInsights, type InsightSummary, type InsightOptions, type Curve, type GridResult, type CombinationResult } from "./insights.js";
export { generateWorld, WORLD_STYLES, type WorldStyle } from "./generate.js";
export { outputCapWarnings } from "./cap.js";
