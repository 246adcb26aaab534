/**
 * Turns the names users type (`--task sim:math`, `--pool sim:llama`, a file path, `paper:math`)
 * into tasks, pools and providers. This is the one place that knows every built-in; the CLI, the
 * server and the benchmarks go through it, and the layers below never import it.
 */
import { existsSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { UserError } from "./errors.js";
import { PAPER_MODELS, PAPER_TASKS } from "./cost/paper.js";
import type { TaskTokens } from "./cost/tokens.js";
import { loadPoolFile, resolvePoolPath, type LoadedPool } from "./models/pool.js";
import { GgufProvider } from "./models/gguf.js";
import { ARITH_TASK_ID, createArithTask } from "./tasks/arith.js";
import { CHAIN_TASK_ID, createChainTask } from "./tasks/chain.js";
import type { ModelSpec } from "./models/spec.js";
import { ProviderConfigError } from "./models/errors.js";
import { checkProviderModule, moduleProvider, type ModuleEndpointSource } from "./models/module.js";
import { createOpenAIProvider, type OpenAIProviderOptions } from "./models/openai.js";
import type { Provider, ProviderResolver } from "./models/provider.js";
import { BUILTIN_TASK_NAMES, builtinTask, builtinTaskInfo } from "./tasks/builtin.js";
import { fileTask, readTaskFile, type FileTaskOptions } from "./tasks/file.js";
import { isTaskFilePath, namedTask, taskFileTask } from "./tasks/taskfile.js";
import { standardSetup, STANDARD_SETUP_NAMES } from "./tasks/setups.js";
import { measurePromptTokens, STYLE_TOKENS } from "./tasks/tokens.js";
import type { Task } from "./tasks/types.js";
import { createSimTask, createSimWorld, isSimProfileFile, isSimTask, loadSimProfile, profilePool, resolveSimProfile, simPool, simRoutingProvider, type SimWorld } from "./sim/index.js";

export interface ResolveOptions {
  /** Folder of benchmark data for built-in tasks (else `TTS_GRAPH_DATA`). */
  dataDir?: string | undefined;
  /** Seed for splits and simulated worlds. */
  seed?: number | undefined;
}

/** The paper's seven models, run by the simulator. */
function paperPool(): LoadedPool {
  const models: ModelSpec[] = PAPER_MODELS.map((m) => ({ id: m.id, family: m.family, params: m.params, layers: m.layers, hidden: m.hidden, endpoint: { kind: "sim" as const } }));
  return { pool: { name: "paper", models }, source: "paper", baseDir: process.cwd() };
}

/**
 * Resolve a pool name or file; with none, the simulated LLaMA pool (the default world).
 *
 * @example
 * ```ts
 * import { resolvePool } from "tts-graph";
 *
 * const sim = resolvePool("sim:llama"); // or a pool file: resolvePool("pool.yaml")
 * console.log(sim.pool.models.map((m) => m.id));
 * ```
 */
export function resolvePool(spec: string | undefined): LoadedPool {
  const name = spec ?? "sim:llama";
  if (name === "paper") return paperPool();
  if (name.startsWith("sim:")) {
    const rest = name.slice("sim:".length);
    // `sim:PROFILE.json`: every model of a simulator profile.
    if (isSimProfileFile(rest)) return profilePool(loadSimProfile(rest), name);
    return simPool(rest);
  }
  if (existsSync(name)) return loadPoolFile(name);
  throw new UserError(`unknown pool "${name}": expected a pool file (YAML or JSON) or a built-in pool (paper, sim:llama, sim:gemma, sim:mixed, sim:PROFILE.json)`, {
    code: "unknown_pool",
    source: "--pool",
  });
}

/**
 * A task or pool spec with its file paths made absolute (against the working directory): a run records its config, and
 * must find the same files when it is resumed from another working directory. Built-in names come
 * back unchanged.
 */
export function absoluteSpec(spec: string): string {
  if (spec.startsWith("sim:")) {
    const rest = spec.slice("sim:".length);
    return isSimProfileFile(rest) ? `sim:${resolvePath(rest)}` : spec;
  }
  if (spec.startsWith("file:")) return `file:${resolvePath(spec.slice("file:".length))}`;
  if (spec === "paper" || spec.startsWith("paper:") || spec === ARITH_TASK_ID || builtinTaskInfo(spec) || standardSetup(spec)) return spec;
  return /\.(jsonl|json|ya?ml)$/i.test(spec) || existsSync(spec) ? resolvePath(spec) : spec;
}

/**
 * Token constants of a task, for a-priori cost. Needs no data.
 *
 * @example
 * ```ts
 * import { resolveTask } from "tts-graph";
 *
 * const task = resolveTask("sim:math", { seed: 0 }); // or "gsm8k" (with dataDir), "arith", a JSONL file
 * console.log(task.items("search").length, task.style);
 * ```
 */
export function resolveTaskTokens(spec: string | undefined, options: ResolveOptions & FileTaskOptions = {}): TaskTokens {
  const name = spec ?? "paper:math";
  if (name.startsWith("paper:")) {
    const t = PAPER_TASKS[name.slice("paper:".length)];
    if (t) return t;
    throw new UserError(`unknown paper task "${name}": expected one of ${Object.keys(PAPER_TASKS).map((k) => "paper:" + k).join(", ")}`, { code: "unknown_task", source: "--task" });
  }
  if (name.startsWith("sim:")) return simTask(name, options).tokens;
  if (name === ARITH_TASK_ID) return createArithTask({ seed: options.seed }).tokens;
  if (name === CHAIN_TASK_ID) return createChainTask({ seed: options.seed }).tokens;
  const builtin = builtinTaskInfo(name);
  if (builtin) return builtin.tokens;
  // Setups and task files: their few-shot examples add to the prompt (no data needed).
  if (standardSetup(name)) return namedTask(name, options)!.tokens;
  if (isTaskFilePath(name)) return taskFileTask(name, options).tokens;
  const file = taskFilePath(name);
  if (file) {
    // A file's A is measured from its own questions; B is the style's default.
    const { items, style } = readTaskFile(file, options);
    return { ...STYLE_TOKENS[style], promptTokens: Math.round(measurePromptTokens(items, style)), source: "measured" };
  }
  throw new UserError(`unknown task "${name}": ${TASK_EXPECTED}`, { code: "unknown_task", source: "--task" });
}

const TASK_EXPECTED = `expected a built-in task (${BUILTIN_TASK_NAMES.join(", ")}), a standard setup (${STANDARD_SETUP_NAMES.join(", ")}), a task file (.yaml), a JSONL file, a simulated task (sim:math, sim:mmlu, sim:humaneval, sim:PROFILE.json), or paper:math, paper:mmlu, paper:humaneval`;

const simWorlds = new Map<string, SimWorld>();

/** The world of a simulated task name and seed, built once per process. */
export function resolveSimWorld(spec: string, seed: number | undefined): SimWorld {
  const key = `${seed ?? 0}\u0000${spec}`;
  let w = simWorlds.get(key);
  if (!w) simWorlds.set(key, (w = createSimWorld(resolveSimProfile(spec), seed ?? 0)));
  return w;
}

/**
 * `sim:math`, `sim:mmlu`, `sim:humaneval` or `sim:PROFILE.json`: a simulated task; its id is the name
 * given. A split seed, when given, is the world's seed: it draws the world's items (a world's seed
 * changes which items it draws, never how its models behave), so `splits.seed` varies a simulated
 * task's items as it varies a data set's, and a seed that only seeds sampling does not move them.
 */
function simTask(spec: string, options: ResolveOptions & Pick<FileTaskOptions, "splits">): Task {
  return createSimTask(resolveSimWorld(spec, options.splits?.seed ?? options.seed), spec);
}

/** `file:PATH` or an existing `.jsonl` path; null for anything else. */
function taskFilePath(spec: string): string | null {
  if (spec.startsWith("file:")) return spec.slice("file:".length);
  return /\.jsonl$/i.test(spec) || existsSync(spec) ? spec : null;
}

/**
 * A task with items: a built-in benchmark (data from `dataDir` or `TTS_GRAPH_DATA`, read on first
 * use) or a JSONL file (`file:PATH` or a path; read now, with `fields` and `style`).
 */
export function resolveTask(spec: string, options: ResolveOptions & FileTaskOptions = {}): Task {
  if (spec.startsWith("sim:")) return simTask(spec, options);
  // Generated, needs no data: the tiny GGUF models' arithmetic.
  if (spec === ARITH_TASK_ID) return createArithTask({ seed: options.seed });
  if (spec === CHAIN_TASK_ID) return createChainTask({ seed: options.seed });
  if (builtinTaskInfo(spec)) return builtinTask(spec, options);
  const named = standardSetup(spec) ? namedTask(spec, options) : null;
  if (named) return named;
  if (isTaskFilePath(spec)) return taskFileTask(spec, options);
  const file = taskFilePath(spec);
  if (file) return fileTask(file, options);
  throw new UserError(`unknown task "${spec}": ${TASK_EXPECTED}`, { code: "unknown_task", source: "--task" });
}

export interface ResolveProvidersOptions extends ResolveOptions {
  /** The task being run; a simulated task's own world then answers its simulated models (else the world is found from each call's task id and `seed`). */
  task?: Task | undefined;
  /** Settings of OpenAI-compatible endpoints (API key environment, retries, timeouts). */
  openai?: OpenAIProviderOptions | undefined;
}

/**
 * Providers for a pool's models, dispatched on the endpoint kind and created once per model (so an
 * endpoint's concurrency limit and connections are shared by everything using this resolver).
 *
 * @example
 * ```ts
 * import { createExecContext, resolvePool, resolveProviders, resolveTask } from "tts-graph";
 *
 * const task = resolveTask("sim:math");
 * const pool = resolvePool("sim:llama");
 * const ctx = createExecContext({ task, models: pool.pool.models, providers: resolveProviders(pool, { task }) });
 * console.log(ctx.unitFlops);
 * ```
 */
export function resolveProviders(loaded: LoadedPool, options: ResolveProvidersOptions = {}): ProviderResolver {
  // A missing model file is the pool's mistake: say so now, before a run folder exists.
  for (const m of loaded.pool.models) {
    if (m.endpoint.kind !== "gguf") continue;
    const path = resolvePoolPath(loaded, m.endpoint.path);
    if (!existsSync(path)) {
      throw new UserError(`model "${m.id}" of pool ${loaded.source}: its GGUF file ${path} does not exist (endpoint.path is resolved against the pool file's folder)`, {
        code: "gguf_missing",
        source: loaded.source,
      });
    }
  }
  const made = new Map<string, Provider>();
  const given = options.task && isSimTask(options.task) ? options.task : undefined;
  const sim = simRoutingProvider((taskId) => {
    if (given && given.id === taskId) return given.world;
    if (!taskId.startsWith("sim:")) throw new UserError(`simulated models only answer simulated tasks (sim:...)`, { code: "sim_task_mismatch" });
    return resolveSimWorld(taskId, options.seed);
  });
  return (model: ModelSpec): Provider => {
    const known = made.get(model.id);
    if (known) return known;
    let provider: Provider;
    switch (model.endpoint.kind) {
      case "openai":
        provider = createOpenAIProvider(model, options.openai);
        break;
      case "gguf":
        provider = ggufProvider(resolvePoolPath(loaded, model.endpoint.path), model.endpoint);
        break;
      case "sim":
        provider = sim;
        break;
      case "module":
        provider = moduleProvider(model, { ...model.endpoint, path: resolvePoolPath(loaded, model.endpoint.path) }, moduleSource(loaded, model));
        break;
      default:
        throw new ProviderConfigError(`model "${model.id}" of pool ${loaded.source}: no provider is available for endpoint kind "${(model.endpoint as { kind: string }).kind}"`, loaded.source);
    }
    made.set(model.id, provider);
    return provider;
  };
}

/** Where a model's module endpoint is written: the pool file and `models[i].endpoint`. */
function moduleSource(loaded: LoadedPool, model: ModelSpec): ModuleEndpointSource {
  return { file: loaded.source, field: `models[${loaded.pool.models.findIndex((m) => m.id === model.id)}].endpoint` };
}

/**
 * Import every provider module a pool names and check its export, so a bad module stops a command
 * before any model is called (otherwise it is found on the first call, with the same error).
 *
 * @example
 * ```ts
 * import { checkPoolModules, loadPoolFile } from "tts-graph";
 *
 * const pool = loadPoolFile("examples/providers/slip-pool.yaml");
 * await checkPoolModules(pool); // throws a UserError naming the field when a module cannot be used
 * ```
 */
export async function checkPoolModules(loaded: LoadedPool): Promise<void> {
  for (const model of loaded.pool.models) {
    if (model.endpoint.kind === "module") await checkProviderModule(model, { ...model.endpoint, path: resolvePoolPath(loaded, model.endpoint.path) }, moduleSource(loaded, model));
  }
}

/** The embedded provider for a GGUF endpoint (path already resolved against the pool's folder). */
function ggufProvider(path: string, endpoint: { threads?: number | undefined; contextTokens?: number | undefined }): Provider {
  return new GgufProvider({ path, threads: endpoint.threads, contextTokens: endpoint.contextTokens });
}
