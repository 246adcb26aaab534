/**
 * `tts-graph serve GRAPH...`: each graph file becomes a model of an OpenAI-compatible server. Task,
 * pool, providers, cache and sampling are resolved exactly as `tts-graph run` resolves them.
 */
import { UserError } from "../../errors.js";
import { trapStopSignals, type StopSignal } from "../../runs/signals.js";
import { prepareGraph } from "../../exec/run.js";
import { createServeHandler, graphModelName, listen, uniqueIds, type RunningServer, type ServedGraph } from "../../serve/index.js";
import type { Io } from "../output.js";
import { cliContext, loadGraphForPool, openCache, poolFor } from "../shared/exec.js";
import { findItem, taskFor, type RunOpts } from "../shared/items.js";

export interface ServeOpts extends RunOpts {
  host?: string;
  port?: number;
}

/** A running server and what it serves. */
export interface ServeSession {
  server: RunningServer;
  graphs: ServedGraph[];
  taskId: string;
  pool: string;
  /** Stop the server (requests in flight finish first), then release providers and the cache. */
  close(): Promise<void>;
}

/** Resolve everything, bind the port and start answering. */
export async function startServe(files: string[], opts: ServeOpts, log: (line: string) => void = () => undefined): Promise<ServeSession> {
  if (files.length === 0) throw new UserError("name at least one graph file to serve", { code: "usage", source: "GRAPH" });
  if (opts.port !== undefined && opts.port > 65535) throw new UserError(`--port ${opts.port} is not a port (0 to 65535; 0 picks a free one)`, { code: "usage", source: "--port" });
  const task = taskFor(opts);
  const loaded = poolFor(opts.task, opts.pool);
  const graphs = files.map((f) => loadGraphForPool(f, loaded));
  const ids = uniqueIds(files.map((f, i) => graphModelName(f, graphs[i]!.name)));
  const lookup = opts.task !== undefined ? (q: string) => findItem(task, q) : undefined;
  // Read the task's items now, so missing data stops the server before it listens, not on a request.
  lookup?.("");
  const cache = openCache(loaded, opts.cache);
  try {
    const ctx = cliContext(task, loaded, opts, cache);
    const served: ServedGraph[] = graphs.map((g, i) => ({ id: ids[i]!, graph: prepareGraph(g, ctx), source: files[i]! }));
    const onError = (err: unknown) => log(`internal error (this is a bug in tts-graph, please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    const handler = createServeHandler({ graphs: served, ctx, findItem: lookup, onError });
    const server = await listen(handler, { host: opts.host, port: opts.port, onError });
    const close = async () => {
      await server.close();
      const used = new Set(served.flatMap((s) => s.graph.specs));
      for (const spec of used) await ctx.provider(spec).close?.();
      cache?.close();
    };
    return { server, graphs: served, taskId: task.id, pool: loaded.source, close };
  } catch (err) {
    cache?.close();
    throw err;
  }
}

export async function serveCommand(files: string[], opts: ServeOpts, io: Io): Promise<void> {
  // Trapped before start-up, so a signal that arrives while the pool loads or just after the
  // "listening" line still shuts the server down cleanly instead of killing the process.
  let stopped!: (signal: StopSignal) => void;
  const stop = new Promise<StopSignal>((resolve) => (stopped = resolve));
  const release = trapStopSignals((signal) => stopped(signal));
  try {
    const session = await startServe(files, opts, (line) => io.stderr(line + "\n"));
    const { url } = session.server;
    const models = session.graphs.map((g) => g.id);
    io.stderr(`serving ${models.map((m) => `"${m}"`).join(", ")} (task ${session.taskId}, pool ${session.pool})\n`);
    io.stderr(`listening on ${url} (OpenAI base URL ${url}/v1); stop with Ctrl-C\n`);
    if (opts.json) io.stdout(JSON.stringify({ url, baseURL: `${url}/v1`, port: session.server.port, models }) + "\n");
    const signal = await stop;
    const n = session.server.inFlight();
    io.stderr(`${signal}: shutting down${n > 0 ? `, finishing ${n} request${n === 1 ? "" : "s"} in flight (again to force)` : ""}\n`);
    await session.close();
    io.stderr("stopped\n");
  } finally {
    release();
  }
}
