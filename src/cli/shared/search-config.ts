/** The search config from a config file and the flags of `search` and `compare`, and what it resolves to. */
import { join, resolve } from "node:path";
import { UserError } from "../../errors.js";
import type { ResponseCache } from "../../exec/cache.js";
import type { LoadedPool } from "../../models/pool.js";
import { absoluteSpec, resolveProviders, resolveTask } from "../../resolve.js";
import { loadSearchConfig, parseSearchConfig, type SearchConfig } from "../../search/config.js";
import { objectiveFromName } from "../../search/objective.js";
import { loadPlugins, resolveOptimizer } from "../../search/plugins.js";
import { agentModel, type ResolvedParts } from "../../search/setup.js";
import { mergeSamplingConfig, type SamplingFlags } from "../../models/sampling.js";
import type { ModelSpec } from "../../models/spec.js";
import { absoluteSplitConfig } from "../../tasks/splits.js";
import { openCache, poolFor, probeEndpoints, withAbsolutePaths } from "../exec-setup.js";
import type { Io } from "../output.js";
import type { QueueFlags } from "../queue-setup.js";

/** Flags shared by `search` and `compare`. */
export interface SearchFlags extends SamplingFlags, QueueFlags {
  config?: string;
  task?: string;
  pool?: string;
  budget?: number;
  budgetUnit?: "units" | "flops" | "usd" | "ms";
  optimizer?: string;
  agent?: string;
  agentUrl?: string;
  iterations?: number;
  batch?: number;
  samples?: number;
  evals?: number;
  objective?: "accuracy" | "latency" | "cost";
  latencyLimit?: number;
  seed?: number;
  /** commander: `--no-insights` gives false. */
  insights?: boolean;
  randomInit?: boolean;
  /** commander: `--no-fuser` gives false. */
  fuser?: boolean;
  outputModel?: string;
  data?: string;
  concurrency?: number;
  /** commander: `--no-cache` gives false, `--cache FILE` a string. */
  cache?: string | boolean;
  /** commander: `--no-probe` gives false. */
  probe?: boolean;
  json?: boolean;
}

/** The config file (else `base`, else the defaults) with the flags laid over it, validated as one. */
export function configFrom(opts: SearchFlags, base?: SearchConfig): SearchConfig {
  const file = opts.config !== undefined ? loadSearchConfig(opts.config) : (base ?? parseSearchConfig({}));
  const raw: Record<string, unknown> = { ...file };
  const set = (k: string, v: unknown) => {
    if (v !== undefined) raw[k] = v;
  };
  set("task", opts.task);
  set("pool", opts.pool);
  set("budget", opts.budget);
  set("budgetUnit", opts.budgetUnit);
  set("optimizer", opts.optimizer);
  set("agent", opts.agent);
  set("agentUrl", opts.agentUrl);
  set("iterations", opts.iterations);
  set("batch", opts.batch);
  set("samples", opts.samples);
  set("evals", opts.evals);
  set("seed", opts.seed);
  set("data", opts.data);
  set("concurrency", opts.concurrency);
  if (opts.cache === false) raw.cache = false;
  const sampling = mergeSamplingConfig(file.sampling, opts);
  if (sampling) raw.sampling = sampling;
  if (opts.objective !== undefined || opts.latencyLimit !== undefined) {
    const o = objectiveFromName(opts.objective ?? (opts.latencyLimit !== undefined ? "latency" : "accuracy"));
    raw.objective = o.kind === "latency" && opts.latencyLimit !== undefined ? { ...o, limitMs: opts.latencyLimit } : o;
  }
  const space = { ...file.space };
  if (opts.fuser === false) space.fuser = false;
  if (opts.outputModel !== undefined) space.outputModel = opts.outputModel;
  raw.space = space;
  const optimizerOptions = { ...file.optimizerOptions };
  if (opts.insights === false) optimizerOptions.insights = false;
  if (opts.randomInit) optimizerOptions.init = "random";
  raw.optimizerOptions = optimizerOptions;
  return parseSearchConfig(raw, opts.config ?? "command line");
}

/** Task, pool, providers and response cache of a config. Close the cache when done. */
export function resolveParts(config: SearchConfig, cacheOpt?: string | boolean): ResolvedParts & { cache: ResponseCache | null } {
  const task = resolveTask(config.task, { dataDir: config.data, splits: config.splits });
  const loaded = poolFor(config.task, config.pool);
  const pool: LoadedPool = { ...loaded, pool: { ...loaded.pool, models: withAbsolutePaths(loaded) } };
  const cache = config.cache ? openCache(pool, cacheOpt === undefined ? true : cacheOpt) : null;
  return { task, pool, providers: resolveProviders(pool, { dataDir: config.data, task }), cache };
}

/** Check that every endpoint the search will call answers (pool models and the agent), before anything is spent. */
export async function probeSearch(config: SearchConfig, parts: ResolvedParts, opts: SearchFlags, io: Io): Promise<void> {
  const agent = agentModel(config, parts.pool);
  const models = parts.pool.pool.models.filter((m) => config.space.models === undefined || config.space.models.includes(m.id) || m.id === agent?.id);
  const all = agent && !models.some((m) => m.id === agent.id) ? [...models, agent] : models;
  const label = (m: ModelSpec) => (m.id !== agent?.id ? `model ${m.id}` : config.agentUrl ? `the agent (--agent ${m.id} --agent-url ${config.agentUrl})` : `the agent, model ${m.id}`);
  await probeEndpoints(all, opts, (line) => io.stderr(line + "\n"), label);
}

/** Simulated models answer only simulated tasks; say so before anything runs. */
export function checkPoolForTask(config: SearchConfig): void {
  if (config.task.startsWith("sim:") || !config.pool.startsWith("sim:")) return;
  // A task name that is wrong is the first thing to say.
  resolveTask(config.task, { dataDir: config.data });
  throw new UserError(`task ${config.task} is not simulated, but pool ${config.pool} holds simulated models, which only answer simulated tasks: give --pool with a pool file of real models`, { code: "pool_required", source: "--pool" });
}

/** A deterministic default output folder for a config. */
export function defaultOutDir(config: SearchConfig): string {
  const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "");
  return join("runs", `${slug(config.task)}-${slug(config.pool)}-${config.optimizer}-b${config.budget}-s${config.seed}`);
}

/** Register the config's plugins, then check its optimizer and options (a user error naming the key). */
export async function withPlugins(config: SearchConfig, source: string): Promise<SearchConfig> {
  await loadPlugins(config.plugins, source);
  resolveOptimizer(config, source);
  return config;
}

/**
 * The config with its task, pool, data and plugin paths made absolute, as a new run records it: the run can
 * then be resumed, or reported on, from any working directory.
 */
export function withAbsoluteFiles(config: SearchConfig): SearchConfig {
  return {
    ...config,
    task: absoluteSpec(config.task),
    pool: absoluteSpec(config.pool),
    ...(config.data !== undefined ? { data: resolve(config.data) } : {}),
    ...(config.splits ? { splits: absoluteSplitConfig(config.splits, resolve) } : {}),
    ...(config.plugins !== undefined ? { plugins: config.plugins.map((p) => resolve(p)) } : {}),
  };
}
