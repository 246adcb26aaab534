/** Resolving a pool, its response cache, graphs and an execution context for the commands that run graphs. */
import { UserError } from "../../errors.js";
import { createExecContext, DEFAULT_CACHED_KINDS, type ExecContext } from "../../exec/context.js";
import { defaultCachePath, ResponseCache } from "../../exec/cache.js";
import { loadGraphFile } from "../../graph/io.js";
import type { Graph } from "../../graph/index.js";
import { resolvePoolPath, type LoadedPool } from "../../models/pool.js";
import type { ModelSpec } from "../../models/spec.js";
import { resolvePool, resolveProviders } from "../../resolve.js";
import type { Task } from "../../tasks/types.js";

/** Options shared by `eval` and `run`. */
export interface ExecOpts {
  pool?: string;
  data?: string;
  seed?: number;
  concurrency?: number;
  /** commander gives `false` for `--no-cache`, a string for `--cache FILE`, `true` by default. */
  cache?: string | boolean;
  temperature?: number;
  maxTokens?: number;
  json?: boolean;
}


/** The pool for a run: `--pool`, else `sim:mixed` for simulated tasks; real tasks must name one. */
export function poolFor(taskSpec: string | undefined, poolSpec: string | undefined): LoadedPool {
  if (poolSpec !== undefined) return resolvePool(poolSpec);
  if (taskSpec?.startsWith("sim:")) return resolvePool("sim:mixed");
  throw new UserError(`--pool is required for ${taskSpec === undefined ? "a graph run without a simulated task" : `task "${taskSpec}"`}: give a pool file listing the models and their endpoints (only simulated tasks default to the sim:mixed pool)`, {
    code: "pool_required",
    source: "--pool",
  });
}

/** Open the response cache unless disabled, and only when some model of the pool is of a cached kind. */
export function openCache(loaded: LoadedPool, opt: ExecOpts["cache"]): ResponseCache | null {
  if (opt === false) return null;
  if (!loaded.pool.models.some((m) => DEFAULT_CACHED_KINDS.includes(m.endpoint.kind))) return null;
  return ResponseCache.open(typeof opt === "string" ? opt : defaultCachePath());
}

/** The graph, checked against the pool's model ids. */
export function loadGraphForPool(file: string, loaded: LoadedPool): Graph {
  return loadGraphFile(file, { models: loaded.pool.models.map((m) => m.id) });
}

/**
 * The pool's models with GGUF paths made absolute, so the response cache (keyed by the endpoint as
 * written) cannot confuse two pools' files that share a relative path.
 */
export function withAbsolutePaths(loaded: LoadedPool): ModelSpec[] {
  return loaded.pool.models.map((m) => (m.endpoint.kind === "gguf" ? { ...m, endpoint: { ...m.endpoint, path: resolvePoolPath(loaded, m.endpoint.path) } } : m));
}

/** An execution context for the CLI's options. */
export function cliContext(task: Task, loaded: LoadedPool, opts: ExecOpts, cache: ResponseCache | null): ExecContext {
  return createExecContext({
    task,
    models: withAbsolutePaths(loaded),
    providers: resolveProviders(loaded, { seed: opts.seed, dataDir: opts.data, task }),
    cache,
    concurrency: opts.concurrency,
    seed: opts.seed ?? 0,
    sampling: { ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}), ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}) },
  });
}
