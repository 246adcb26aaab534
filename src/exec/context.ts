/**
 * The execution context: everything running graphs on a task needs, built once and shared by every
 * evaluation (a search evaluates many graphs on the same items with one context, so providers,
 * their connections, the cache and the global concurrency limit are reused).
 */
import type { CostModel } from "../cost/plan.js";
import { unitFlopsFor } from "../cost/plan.js";
import type { TaskTokens } from "../cost/tokens.js";
import { endpointCapabilities } from "../models/capabilities.js";
import { Semaphore } from "../models/limiter.js";
import type { Provider, ProviderResolver, SamplingParams } from "../models/provider.js";
import { baseSampling, type SamplingConfig } from "../models/sampling.js";
import { DEFAULT_ENDPOINT_CONCURRENCY, toCostModel, type Endpoint, type ModelSpec } from "../models/spec.js";
import type { Task } from "../tasks/types.js";
import type { ResponseCache } from "./cache.js";
import { withCache, withConcurrency, withReasoning, withUsageEstimate, wrapProvider, type ProviderMiddleware } from "./middleware.js";

/** Sampling settings shared by every node; the seed of each call is derived from the run seed and its sample index. */
export type BaseSampling = Omit<SamplingParams, "seed">;

export { DEFAULT_SAMPLING } from "../models/sampling.js";
/** Calls in flight when nothing says otherwise and the pool has no OpenAI-compatible endpoint (the simulator, GGUF files). */
export const DEFAULT_CONCURRENCY = 8;
/** Cap on the default for pools of servers: beyond it, more calls in flight only queue at the servers. */
export const MAX_DEFAULT_CONCURRENCY = 256;

/**
 * The default limit of calls in flight for a pool: with OpenAI-compatible endpoints, as many as
 * their own limits let through together (each replica counted), so a pool of vLLM servers is kept
 * busy; else {@link DEFAULT_CONCURRENCY}.
 */
export function defaultConcurrency(models: readonly ModelSpec[]): number {
  let total = 0;
  for (const m of models) for (const e of m.endpoints ?? [m.endpoint]) if (e.kind === "openai") total += e.concurrency ?? DEFAULT_ENDPOINT_CONCURRENCY;
  return total === 0 ? DEFAULT_CONCURRENCY : Math.min(MAX_DEFAULT_CONCURRENCY, Math.max(DEFAULT_CONCURRENCY, total));
}

export interface ExecContextOptions {
  task: Task;
  /** The pool's models. */
  models: readonly ModelSpec[];
  /** Raw providers per model (e.g. from `resolveProviders`); the context adds its middleware. */
  providers: ProviderResolver;
  /** Response cache, or null/undefined for none. */
  cache?: ResponseCache | null | undefined;
  /** Endpoint kinds to cache (default: those whose capabilities allow it, see {@link endpointCapabilities}). */
  cachedKinds?: readonly Endpoint["kind"][] | undefined;
  /** Most model calls in flight at once, across items, nodes and graphs sharing this context. */
  concurrency?: number | undefined;
  /** Run seed: the sampling seed of every call derives from it. */
  seed?: number | undefined;
  /** The run's sampling section (per-role settings included); each pool model's own settings are laid over it per call. */
  sampling?: SamplingConfig | undefined;
  /** Token constants for budget units (default: the task's). */
  tokens?: TaskTokens | undefined;
  /** Extra middleware, outermost first, applied outside the built-in ones. */
  middleware?: ProviderMiddleware[] | undefined;
  /** Cancels every call made through this context. */
  signal?: AbortSignal | undefined;
}

export interface ExecContext {
  readonly task: Task;
  readonly models: ReadonlyMap<string, ModelSpec>;
  readonly costModels: ReadonlyMap<string, CostModel>;
  /** Providers with the context's middleware applied, one per model (memoized). */
  readonly provider: (model: ModelSpec) => Provider;
  /** The run-level settings every call starts from. */
  readonly sampling: BaseSampling;
  /** Per-role settings laid over {@link sampling}. */
  readonly samplingRoles: SamplingConfig["roles"];
  readonly seed: number;
  readonly concurrency: number;
  /** FLOPs of one budget unit (for mean units). */
  readonly unitFlops: number;
  readonly cache: ResponseCache | null;
  readonly signal: AbortSignal | undefined;
}

/**
 * Build a context. Providers are created lazily, the first time a model is called.
 *
 * @example
 * ```ts
 * import { createExecContext, resolvePool, resolveProviders, resolveTask, ResponseCache } from "tts-graph";
 *
 * const task = resolveTask("arith");
 * const pool = resolvePool("examples/providers/slip-pool.yaml");
 * const cache = ResponseCache.open(".tts-graph/cache.sqlite");
 * const ctx = createExecContext({ task, models: pool.pool.models, providers: resolveProviders(pool, { task }), cache, concurrency: 4, seed: 1, sampling: { temperature: 0.7 } });
 * ```
 */
export function createExecContext(options: ExecContextOptions): ExecContext {
  const models = new Map(options.models.map((m) => [m.id, m]));
  const costModels = new Map(options.models.map((m) => [m.id, toCostModel(m)]));
  const concurrency = options.concurrency ?? defaultConcurrency(options.models);
  const limiter = new Semaphore(concurrency);
  const cache = options.cache ?? null;
  const cachedKinds = options.cachedKinds ? new Set(options.cachedKinds) : undefined;
  const cached = (m: ModelSpec) => (cachedKinds ? cachedKinds.has(m.endpoint.kind) : endpointCapabilities(m.endpoint).responseCache);
  const wrapped = new Map<string, Provider>();
  const provider = (model: ModelSpec): Provider => {
    let p = wrapped.get(model.id);
    if (!p) {
      const chain: ProviderMiddleware[] = [...(options.middleware ?? []), withUsageEstimate(), withReasoning()];
      if (cache && cached(model)) chain.push(withCache(cache));
      chain.push(withConcurrency(limiter));
      p = wrapProvider(options.providers(model), ...chain);
      wrapped.set(model.id, p);
    }
    return p;
  };
  const tokens = options.tokens ?? options.task.tokens;
  return {
    task: options.task,
    models,
    costModels,
    provider,
    sampling: baseSampling(options.sampling),
    samplingRoles: options.sampling?.roles,
    seed: options.seed ?? 0,
    concurrency,
    unitFlops: unitFlopsFor({ models: costModels, tokens }),
    cache,
    signal: options.signal,
  };
}
