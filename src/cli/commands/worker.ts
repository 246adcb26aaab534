/**
 * `tts-graph worker --queue URL`: pulls evaluation jobs from the queue and runs them with the same
 * executor, graders and sandbox as a local run, until SIGINT or SIGTERM (jobs in hand finish first).
 */
import { fileURLToPath } from "node:url";
import { checkReachable, redisUrl, startEvalWorker } from "../../queue/index.js";
import type { Io } from "../output.js";
import { resolveRun } from "../queue-setup.js";

export interface WorkerOpts {
  queue: string;
  pool?: string;
  concurrency?: number;
  /** How long a job stays with a worker that stopped renewing it. */
  lockMs?: number;
  /** Run each job in a separate process. */
  sandbox?: boolean;
}

export async function workerCommand(opts: WorkerOpts, io: Io): Promise<void> {
  const url = redisUrl(opts.queue);
  const concurrency = opts.concurrency ?? 8;
  await checkReachable(url);
  const sandbox = opts.sandbox
    ? { file: fileURLToPath(new URL("../queue-processor.js", import.meta.url)), env: { TTS_GRAPH_QUEUE_URL: url, TTS_GRAPH_WORKER_POOL: opts.pool ?? "", TTS_GRAPH_WORKER_CONCURRENCY: String(concurrency) } }
    : undefined;
  const w = startEvalWorker({ url, concurrency, lockMs: opts.lockMs, resolve: (run) => resolveRun(run, opts.pool), sandbox });
  let failures = 0;
  w.worker.on("failed", (job, err) => {
    failures++;
    io.stderr(`job ${job?.id ?? "?"} failed: ${err.message}\n`);
  });
  w.worker.on("error", (err) => io.stderr(`queue error: ${err.message}\n`));
  await w.worker.waitUntilReady();
  io.stderr(`worker ${process.pid} pulling evaluation jobs from ${url} (${concurrency} at once${sandbox ? ", each in a separate process" : ""})\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.stderr(`${signal}: finishing the jobs in hand, then stopping\n`);
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  await w.close();
  io.stderr(`worker ${process.pid} stopped (${failures} failed job${failures === 1 ? "" : "s"}; shared cache ${w.processor.cacheStats.hits} hits, ${w.processor.cacheStats.misses} misses)\n`);
}
