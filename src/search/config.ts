/**
 * The search configuration: one format for a config file (YAML or JSON) and the command line. Every
 * field has a default, so an empty config is the default search (Agent-REINFORCE with the rule agent
 * on sim:math with the sim:llama pool at budget 18, seed 0). Flags override the file.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { BudgetUnitSchema } from "../cost/budget.js";
import { SamplingConfigSchema } from "../models/sampling.js";
import { parseWith, readStructured } from "../util/files.js";
import { SplitConfigSchema } from "../tasks/splits.js";
import { ObjectiveSchema } from "./objective.js";
import { DEFAULT_FAILURE_THRESHOLD } from "./records.js";

export const SpaceConfigSchema = z
  .object({
    /** Most worker slots besides the output node (also capped by what fits the budget). */
    maxSlots: z.number().int().min(0).max(64).default(12),
    /** Over-budget samples: drop the smallest model first (the paper), or reject and resample. */
    repair: z.enum(["drop-smallest", "reject"]).default("drop-smallest"),
    /** Allow the fuser role (false: the "no fuser" ablation). */
    fuser: z.boolean().default(true),
    /** Fix the output node's model (the paper's final-decision node); default: the pool's `outputModel`, else searched. */
    outputModel: z.string().min(1).optional(),
    /** Search over these pool models only. */
    models: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

export const SelectionConfigSchema = z
  .object({
    /** Best candidates re-evaluated on validation items. */
    candidates: z.number().int().min(1).max(32).default(6),
    /** Validation items per candidate (default 66, and at most half of `evals` shared between the candidates). */
    items: z.number().int().min(1).max(100_000).optional(),
    /** Confidence of the intervals used to choose and report. */
    confidence: z.number().gt(0).lt(1).default(0.95),
  })
  .strict();

export const SearchConfigSchema = z
  .object({
    version: z.literal(1).optional(),
    /** Task: built-in, JSONL file, or simulated (sim:math, sim:mmlu, sim:humaneval, sim:FILE.json). */
    task: z.string().min(1).default("sim:math"),
    /** Pool file or built-in pool. */
    pool: z.string().min(1).default("sim:llama"),
    budget: z.number().positive().default(18),
    budgetUnit: BudgetUnitSchema.default("units"),
    /** A built-in optimizer (agent-reinforce, reinforce, random, tpe, evolution, textgrad, maas, the ablations) or one a plugin registers. */
    optimizer: z.string().min(1).default("agent-reinforce"),
    /** `rules` (no LLM) or a model id: a pool model, or with `agentUrl` a model of that endpoint. */
    agent: z.string().min(1).default("rules"),
    /** OpenAI-compatible base URL of the agent model, when it is not in the pool. */
    agentUrl: z.string().url().optional(),
    /** Environment variable with the agent endpoint's API key (none needed for local servers). */
    agentApiKeyEnv: z.string().min(1).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    /** Total graph-item evaluations of the search: probes, pretests, iterations and selection. */
    evals: z.number().int().positive().default(800),
    /** Cap on search iterations (the evaluation budget usually ends the search first). */
    iterations: z.number().int().positive().optional(),
    /** Graphs per iteration (default: the optimizer's own). */
    samples: z.number().int().positive().max(256).optional(),
    /** Search items per iteration (default: the optimizer's own). */
    batch: z.number().int().positive().max(10_000).optional(),
    objective: ObjectiveSchema.default({ kind: "accuracy" }),
    space: SpaceConfigSchema.default({ maxSlots: 12, repair: "drop-smallest", fuser: true }),
    selection: SelectionConfigSchema.default({ candidates: 6, confidence: 0.95 }),
    /** An evaluation with more than this fraction of errored items is failed (missing data, not a low score). */
    failureThreshold: z.number().min(0).max(1).default(DEFAULT_FAILURE_THRESHOLD),
    /** Method-specific settings, checked against the optimizer's options schema, e.g. {insights: false} or {init: "random"} for Agent-REINFORCE's ablations. */
    optimizerOptions: z.record(z.string(), z.unknown()).default({}),
    /** JS modules that register optimizers or agents (paths relative to the config file). */
    plugins: z.array(z.string().min(1)).optional(),
    /** Most model calls in flight at once. */
    concurrency: z.number().int().positive().max(1024).optional(),
    /** Sampling of every graph call (temperature, topP, maxTokens, stop, per role in `roles`); default T 0.7, 1024 tokens. */
    sampling: SamplingConfigSchema.optional(),
    /** Cache real model responses (SQLite); simulated calls are never cached. */
    cache: z.boolean().default(true),
    /** Folder of benchmark data for built-in tasks. */
    data: z.string().min(1).optional(),
    /** How the task's items are split into search, validation and held-out test items (default: seed 0, 20% / 20% / the rest). */
    splits: SplitConfigSchema.optional(),
  })
  .strict();

export type SearchConfig = z.infer<typeof SearchConfigSchema>;
/** A config as written: every field optional. */
export type SearchConfigInput = z.input<typeof SearchConfigSchema>;

/** Validate a config; every problem is reported with its field path and the source named. */
export function parseSearchConfig(data: unknown, source = "search config"): SearchConfig {
  return parseWith(SearchConfigSchema, data ?? {}, source, "search config");
}

/** Read a config file (YAML or JSON). */
export function loadSearchConfig(path: string): SearchConfig {
  const config = parseSearchConfig(readStructured(path, "search config"), path);
  // Plugins are named relative to the config file, and recorded absolute so a run resumes from anywhere.
  return config.plugins ? { ...config, plugins: config.plugins.map((p) => (isAbsolute(p) ? p : resolve(dirname(path), p))) } : config;
}

/** JSON Schema of the config file, for editors and documentation. */
export function searchConfigJsonSchema(): unknown {
  return z.toJSONSchema(SearchConfigSchema, { io: "input" });
}
