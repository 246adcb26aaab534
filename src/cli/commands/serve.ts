/**
 * `tts-graph serve TARGET...`: each target becomes a model of an OpenAI-compatible server. A target
 * is a search run folder (its chosen graph, served with the run's task, pool, seed and sampling, and
 * named after the folder), or a graph file (served with the task and pool its `meta` records, as a
 * run's best.graph.json does, else those given by flags). Flags override what a run recorded.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { UserError } from "../../errors.js";
import type { BaseSampling } from "../../exec/context.js";
import type { ResponseCache } from "../../exec/cache.js";
import { prepareGraph } from "../../exec/run.js";
import { loadGraphFile } from "../../graph/io.js";
import type { Graph } from "../../graph/schema.js";
import { RUN_FILES } from "../../runs/dir.js";
import { trapStopSignals, type StopSignal } from "../../runs/signals.js";
import { createServeHandler, graphModelName, HealthTracker, listen, ServeMetrics, uniqueIds, type RunningServer, type ServedGraph } from "../../serve/index.js";
import { readStructured } from "../../util/files.js";
import type { Io } from "../output.js";
import { cliContext, findItem, graphModels, graphSampling, openCache, poolForRun, probeEndpoints, taskFor, type RunOpts } from "../exec-setup.js";
import { mergeSamplingConfig, type SamplingConfig } from "../../models/sampling.js";

/** The environment variable the API key is read from when `--api-key` is not given. */
export const API_KEY_ENV = "TTS_GRAPH_API_KEY";

export interface ServeOpts extends RunOpts {
  host?: string;
  port?: number;
  /** Model ids, in target order (default: the run folder's or the graph's name). */
  name?: string[];
  apiKey?: string;
  graceMs?: number;
}

/** A running server and what it serves. */
export interface ServeSession {
  server: RunningServer;
  graphs: ServedGraph[];
  /** What each model serves: its task and pool. */
  described: { id: string; task: string; pool: string; source: string }[];
  health: HealthTracker;
  /** Stop the server (requests in flight are answered first), then release providers and the cache. */
  close(): Promise<void>;
}

/** What a run recorded, as far as serving its graph needs. */
const RunRecordSchema = z.looseObject({
  task: z.string().optional(),
  pool: z.string().optional(),
  seed: z.number().int().optional(),
  data: z.string().optional(),
  sampling: z.looseObject({ temperature: z.number().optional(), topP: z.number().optional(), maxTokens: z.number().int().optional() }).optional(),
});

/** One target, resolved to a graph and what it runs with. */
interface Target {
  source: string;
  /** The graph file (a run's best.graph.json). */
  file: string;
  graph: Graph;
  name: string;
  task?: string | undefined;
  pool?: string | undefined;
  seed?: number | undefined;
  data?: string | undefined;
  sampling?: Partial<BaseSampling> | undefined;
}

function isRunFolder(path: string): boolean {
  return existsSync(join(path, RUN_FILES.config));
}

/** A run folder: its best graph with its config's task, pool, seed, data folder and sampling. */
function runTarget(dir: string): Target {
  const configPath = join(dir, RUN_FILES.config);
  const config = RunRecordSchema.safeParse(readStructured(configPath, "run config"));
  if (!config.success) throw new UserError(`${configPath} is not a run config: ${config.error.issues[0]?.message ?? "unreadable"}`, { code: "not_a_run", source: configPath });
  const best = join(dir, RUN_FILES.best);
  if (!existsSync(best)) throw new UserError(`${dir} has no ${RUN_FILES.best}: the run has not finished, so it has not chosen a graph yet (continue it with \`tts-graph search --resume ${dir}\`)`, { code: "run_unfinished", source: dir });
  const c = config.data;
  // The defaults of a run config that does not write them out (see search/config.ts).
  return { source: dir, file: best, graph: loadGraphFile(best), name: basename(resolve(dir)), task: c.task ?? "sim:math", pool: c.pool ?? "sim:llama", seed: c.seed ?? 0, data: c.data, sampling: c.sampling };
}

/** A target named on the command line: a run folder (or its best.graph.json), else a graph file. */
function resolveTarget(path: string): Target {
  if (existsSync(path) && statSync(path).isDirectory()) {
    if (!isRunFolder(path)) throw new UserError(`${path} is a folder but not a search run folder (it has no ${RUN_FILES.config}): name a run folder or a graph file`, { code: "not_a_run", source: path });
    return runTarget(path);
  }
  if (basename(path) === RUN_FILES.best && isRunFolder(dirname(path))) return runTarget(dirname(path));
  const graph = loadGraphFile(path);
  const meta = graph.meta ?? {};
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return { source: path, file: path, graph, name: graphModelName(path, graph.name), task: str(meta.task), pool: str(meta.pool), seed: typeof meta.seed === "number" ? meta.seed : undefined };
}

/** Resolve everything, bind the port and start answering. */
export async function startServe(paths: string[], opts: ServeOpts, log: (line: string) => void = () => undefined): Promise<ServeSession> {
  if (paths.length === 0) throw new UserError("name at least one run folder or graph file to serve", { code: "usage", source: "TARGET" });
  if (opts.port !== undefined && opts.port > 65535) throw new UserError(`--port ${opts.port} is not a port (0 to 65535; 0 picks a free one)`, { code: "usage", source: "--port" });
  const names = opts.name ?? [];
  if (names.length > paths.length) throw new UserError(`${names.length} --name values for ${paths.length} target${paths.length === 1 ? "" : "s"}: give at most one per target, in order`, { code: "usage", source: "--name" });
  const targets = paths.map(resolveTarget);
  const ids = uniqueIds(targets.map((t, i) => names[i] ?? t.name));
  let cache: ResponseCache | null | undefined;
  try {
    const served: ServedGraph[] = [];
    const described: ServeSession["described"] = [];
    for (const [i, t] of targets.entries()) {
      const taskSpec = opts.task ?? t.task;
      const runOpts: RunOpts = { ...opts, task: taskSpec, seed: opts.seed ?? t.seed ?? 0, data: opts.data ?? t.data, ...(opts.style !== undefined && opts.task === undefined ? { task: undefined } : {}) };
      const task = taskFor(runOpts);
      const loaded = await poolForRun(runOpts.task, opts.pool ?? t.pool);
      const graph = loadGraphFile(t.file, { models: loaded.pool.models.map((m) => m.id) });
      // What the graph records (best.graph.json) wins over the run config's copy; flags win over both.
      const sampling = graphSampling([{ file: t.file, graph }], opts, log) ?? mergeSamplingConfig(t.sampling as SamplingConfig | undefined, opts);
      await probeEndpoints(graphModels([graph], loaded), opts, log);
      cache ??= openCache(loaded, opts.cache);
      const ctx = cliContext(task, loaded, runOpts, cache, sampling);
      const lookup = runOpts.task !== undefined ? (q: string) => findItem(task, q) : undefined;
      // Read the task's items now, so missing data stops the server before it listens, not on a request.
      lookup?.("");
      served.push({ id: ids[i]!, graph: prepareGraph(graph, ctx), ctx, findItem: lookup, source: t.source });
      described.push({ id: ids[i]!, task: task.id, pool: loaded.source, source: t.source });
    }
    const onError = (err: unknown) => log(`internal error (this is a bug in tts-graph, please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    const models = new Map(served.flatMap((s) => s.graph.specs.map((m) => [m.id, m] as const)));
    const health = new HealthTracker([...models.values()]);
    const apiKey = opts.apiKey ?? (process.env[API_KEY_ENV] || undefined);
    const handler = createServeHandler({ graphs: served, apiKey, health, metrics: new ServeMetrics(), onError });
    const server = await listen(handler, { host: opts.host, port: opts.port, shutdownGraceMs: opts.graceMs, onError, onHangUp: log });
    const close = async () => {
      await server.close();
      for (const s of served) for (const spec of new Set(s.graph.specs)) await s.ctx.provider(spec).close?.();
      cache?.close();
    };
    return { server, graphs: served, described, health, close };
  } catch (err) {
    cache?.close();
    throw err;
  }
}

export async function serveCommand(paths: string[], opts: ServeOpts, io: Io): Promise<void> {
  // Trapped before start-up, so a signal that arrives while the pool loads or just after the
  // "listening" line still shuts the server down cleanly instead of killing the process.
  let stopped!: (signal: StopSignal) => void;
  const stop = new Promise<StopSignal>((resolve) => (stopped = resolve));
  const release = trapStopSignals((signal) => stopped(signal));
  try {
    const session = await startServe(paths, opts, (line) => io.stderr(line + "\n"));
    const { url } = session.server;
    for (const d of session.described) io.stderr(`serving "${d.id}" from ${d.source} (task ${d.task}, pool ${d.pool})\n`);
    io.stderr(`listening on ${url} (OpenAI base URL ${url}/v1)${opts.apiKey !== undefined || process.env[API_KEY_ENV] ? ", API key required" : ""}; stop with Ctrl-C\n`);
    if (opts.json) io.stdout(JSON.stringify({ url, baseURL: `${url}/v1`, port: session.server.port, models: session.graphs.map((g) => g.id) }) + "\n");
    const signal = await stop;
    const n = session.server.inFlight();
    io.stderr(`${signal}: shutting down${n > 0 ? `, answering ${n} request${n === 1 ? "" : "s"} in flight first (again to force)` : ""}\n`);
    await session.close();
    io.stderr("stopped\n");
  } finally {
    release();
  }
}
