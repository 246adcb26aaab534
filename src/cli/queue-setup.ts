/**
 * What `search`, `compare`, `worker` and `status` share about the queue executor: the run spec a
 * config sends to the workers, the coordinator's evaluator when `--executor queue` is chosen, and
 * the worker's resolution of a job's run spec (the same as a local run's).
 */
import { UserError } from "../errors.js";
import type { LoadedPool } from "../models/pool.js";
import { checkReachable, queueEvaluator, redisUrl, type QueueEvaluator, type RunParts, type RunSpec } from "../queue/index.js";
import { resolveProviders, resolveTask } from "../resolve.js";
import type { SearchConfig } from "../search/config.js";
import { poolFor, withAbsolutePaths } from "./exec-setup.js";

/** `--executor` and `--queue`. */
export interface QueueFlags {
  executor?: "local" | "queue";
  queue?: string;
}

/** What a worker needs to rebuild a config's evaluations. */
export function runSpecOf(config: SearchConfig, seed = config.seed): RunSpec {
  return { task: config.task, pool: config.pool, ...(config.data !== undefined ? { data: config.data } : {}), ...(config.splits ? { splits: config.splits } : {}), seed };
}

/** The queue URL when `--executor queue` is chosen; undefined for the local executor. */
export function queueUrlOf(flags: QueueFlags): string | undefined {
  if ((flags.executor ?? "local") === "local") {
    if (flags.queue !== undefined) throw new UserError("--queue is used with --executor queue", { code: "usage", source: "--queue" });
    return undefined;
  }
  if (flags.queue === undefined) throw new UserError("--executor queue needs --queue redis://HOST:PORT (the Redis the workers pull from)", { code: "usage", source: "--executor" });
  return redisUrl(flags.queue);
}

/** The coordinator's evaluator over the queue, or undefined for the local executor. */
export async function queueEvaluatorFor(flags: QueueFlags, run: RunSpec): Promise<QueueEvaluator | undefined> {
  const url = queueUrlOf(flags);
  if (url === undefined) return undefined;
  await checkReachable(url);
  return queueEvaluator({ url, run });
}

/** A job's run spec resolved as a local run resolves its config; `pool` (the worker's `--pool`) replaces the job's. */
export function resolveRun(run: RunSpec, pool?: string): RunParts {
  const task = resolveTask(run.task, { dataDir: run.data, splits: run.splits as SearchConfig["splits"] });
  const loaded = poolFor(run.task, pool ?? run.pool);
  const absolute: LoadedPool = { ...loaded, pool: { ...loaded.pool, models: withAbsolutePaths(loaded) } };
  return { task, models: absolute.pool.models, providers: resolveProviders(absolute, { dataDir: run.data, task }) };
}
