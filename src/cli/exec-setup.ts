/**
 * What the commands that run graphs (`eval`, `run`, `serve`, `search`) share: the pool a run uses,
 * its response cache, its graph and its execution context, resolved from their common flags. It
 * sits below the commands, so they share it instead of importing each other.
 */
import { UserError } from "../errors.js";
import { createExecContext, type ExecContext } from "../exec/context.js";
import { defaultCachePath, ResponseCache } from "../exec/cache.js";
import { loadGraphFile } from "../graph/io.js";
import type { Graph } from "../graph/index.js";
import { endpointCapabilities } from "../models/capabilities.js";
import { resolvePoolPath, type LoadedPool } from "../models/pool.js";
import { recordedSampling, samplingForGraph, samplingFromFlags, type SamplingConfig, type SamplingFlags } from "../models/sampling.js";
import { preflight } from "../models/preflight.js";
import type { ModelSpec } from "../models/spec.js";
import { checkPoolModules, resolvePool, resolveProviders, resolveTask } from "../resolve.js";
import { checkStyle } from "../tasks/file.js";
import { createTask } from "../tasks/task.js";
import { SPLITS } from "../tasks/splits.js";
import type { Task, TaskItem } from "../tasks/types.js";

/** Options shared by `eval` and `run`. */
export interface ExecOpts extends SamplingFlags {
  pool?: string;
  data?: string;
  seed?: number;
  concurrency?: number;
  /** commander gives `false` for `--no-cache`, a string for `--cache FILE`, `true` by default. */
  cache?: string | boolean;
  /** commander: `--no-probe` gives false. */
  probe?: boolean;
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

/** {@link poolFor}, with the provider modules it names imported and checked before anything runs. */
export async function poolForRun(taskSpec: string | undefined, poolSpec: string | undefined): Promise<LoadedPool> {
  const loaded = poolFor(taskSpec, poolSpec);
  await checkPoolModules(loaded);
  return loaded;
}

/** Open the response cache unless disabled, and only when some model of the pool may be cached. */
export function openCache(loaded: LoadedPool, opt: ExecOpts["cache"]): ResponseCache | null {
  if (opt === false) return null;
  if (!loaded.pool.models.some((m) => endpointCapabilities(m.endpoint).responseCache)) return null;
  return ResponseCache.open(typeof opt === "string" ? opt : defaultCachePath());
}

/** The graph, checked against the pool's model ids. */
export function loadGraphForPool(file: string, loaded: LoadedPool): Graph {
  return loadGraphFile(file, { models: loaded.pool.models.map((m) => m.id) });
}

/**
 * The pool's models with file paths (GGUF, provider modules) made absolute, so the response cache
 * (keyed by the endpoint as written) cannot confuse two pools' files that share a relative path.
 */
export function withAbsolutePaths(loaded: LoadedPool): ModelSpec[] {
  return loaded.pool.models.map((m) => (m.endpoint.kind === "gguf" || m.endpoint.kind === "module" ? { ...m, endpoint: { ...m.endpoint, path: resolvePoolPath(loaded, m.endpoint.path) } } : m));
}

/**
 * The sampling to run graphs with: what they were searched with (`meta.sampling`), flags laid over
 * it, with a warning for each recorded value a flag changes. Graphs recording different settings
 * cannot share one run unless the flags set every differing field.
 */
export function graphSampling(graphs: readonly { file: string; graph: Graph }[], opts: SamplingFlags, warn: (line: string) => void): SamplingConfig | undefined {
  const runs = graphs.map(({ file, graph }) => ({ file, ...samplingForGraph(recordedSampling(graph.meta, file), opts) }));
  const first = runs[0];
  if (!first) return undefined;
  const differing = runs.find((r) => JSON.stringify(r.sampling) !== JSON.stringify(first.sampling));
  if (differing) {
    throw new UserError(`${first.file} and ${differing.file} were searched with different sampling (${JSON.stringify(first.sampling)} and ${JSON.stringify(differing.sampling)}): run them separately, or set the differing values with --temperature, --top-p, --max-tokens or --stop`, {
      code: "sampling_conflict",
      source: differing.file,
    });
  }
  for (const r of runs) for (const o of r.overridden) warn(`warning: ${r.file} was searched with other sampling; ${o} overrides it, so results may differ from the search's`);
  return Object.keys(first.sampling).length > 0 ? first.sampling : undefined;
}

/** Check that the endpoints of `models` answer before anything is spent, unless `--no-probe`; dead replicas are warned about. */
export async function probeEndpoints(models: readonly ModelSpec[], opts: { probe?: boolean }, warn: (line: string) => void, label?: (m: ModelSpec) => string): Promise<void> {
  if (opts.probe === false) return;
  for (const w of await preflight(models, { label })) warn(`warning: ${w}`);
}

/** The pool models a graph uses. */
export function graphModels(graphs: readonly Graph[], loaded: LoadedPool): ModelSpec[] {
  const ids = new Set(graphs.flatMap((g) => g.nodes.map((n) => n.model)));
  return loaded.pool.models.filter((m) => ids.has(m.id));
}

/** An execution context for the CLI's options; `sampling` defaults to the flags' settings alone. */
export function cliContext(task: Task, loaded: LoadedPool, opts: ExecOpts, cache: ResponseCache | null, sampling: SamplingConfig | undefined = samplingFromFlags(opts)): ExecContext {
  return createExecContext({
    task,
    models: withAbsolutePaths(loaded),
    providers: resolveProviders(loaded, { seed: opts.seed, dataDir: opts.data, task }),
    cache,
    concurrency: opts.concurrency,
    seed: opts.seed ?? 0,
    sampling,
  });
}

export interface RunOpts extends ExecOpts {
  task?: string;
  style?: string;
}

/** The task whose prompts and answer format the question is asked in: `--task`, else a bare style. */
export function taskFor(opts: RunOpts): Task {
  if (opts.task !== undefined && opts.style !== undefined) throw new UserError("give --task or --style, not both", { code: "usage", source: "--style" });
  if (opts.task !== undefined) return resolveTask(opts.task, { dataDir: opts.data, seed: opts.seed });
  const style = checkStyle(opts.style ?? "short");
  return createTask({ id: `style:${style}`, style, load: () => [] });
}

/** The task item a question names, by id or by its exact text. */
export function findItem(task: Task, question: string): TaskItem | undefined {
  for (const split of SPLITS) {
    const found = task.items(split).find((i) => i.id === question || i.question === question);
    if (found) return found;
  }
  return undefined;
}

