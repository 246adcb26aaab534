/**
 * The worker's side of the queue: pulls evaluation jobs and runs each with the same executor,
 * graders and sandbox as a local run, through the shared response cache and the per-endpoint cap
 * over all workers. How a job's task and pool specs become a task, models and providers is given by
 * the caller (the CLI resolves them exactly as a local run does).
 */
import { hostname } from "node:os";
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { createExecContext, evaluate, wrapProvider, type ExecContext } from "../exec/index.js";
import { parseGraph } from "../graph/validate.js";
import type { ModelSpec } from "../models/spec.js";
import type { ProviderResolver } from "../models/provider.js";
import { outcomeOf } from "../search/evaluator.js";
import type { ItemOutcome } from "../search/types.js";
import type { Task, TaskItem } from "../tasks/types.js";
import { SPLITS } from "../tasks/splits.js";
import { withSharedCache, type SharedCacheStats } from "./cache.js";
import { EVAL_QUEUE, EvalJobSchema, KEY_PREFIX, runKey, type RunSpec } from "./jobs.js";
import { withSharedLimit } from "./limit.js";
import { redisConnection } from "./redis.js";

/** What a job's run spec resolves to on this worker. */
export interface RunParts {
  task: Task;
  models: readonly ModelSpec[];
  providers: ProviderResolver;
}

export interface EvalWorkerOptions {
  url: string;
  resolve: (run: RunSpec) => RunParts;
  /** Model calls in flight at once on this worker, and jobs taken at once. */
  concurrency: number;
  /** How long a job stays locked to a worker that stopped renewing it (it died) before another takes it. */
  lockMs?: number | undefined;
  /**
   * Run each job in a separate process (BullMQ's sandboxed processors) from this processor file,
   * with these variables added to its environment; the file builds its own {@link EvalProcessor}.
   */
  sandbox?: { file: string; env: Record<string, string> } | undefined;
}

export const spendKey = (run: string) => `${KEY_PREFIX}:spend:${run}`;

/** Processes one job's data; exported for the separate-process processor. */
export class EvalProcessor {
  private readonly contexts = new Map<string, { ctx: ExecContext; items: Map<string, TaskItem> }>();
  readonly cacheStats: SharedCacheStats = { hits: 0, misses: 0, unavailable: 0 };

  constructor(
    private readonly redis: Redis,
    private readonly options: Pick<EvalWorkerOptions, "resolve" | "concurrency">,
  ) {}

  private contextFor(run: RunSpec) {
    const key = runKey(run);
    let found = this.contexts.get(key);
    if (!found) {
      const parts = this.options.resolve(run);
      const limit = withSharedLimit(this.redis, (m) => (m.endpoint.kind === "openai" ? m.endpoint.concurrency : undefined));
      const ctx = createExecContext({
        task: parts.task,
        models: parts.models,
        providers: (m) => wrapProvider(parts.providers(m), limit),
        cache: null,
        middleware: [withSharedCache(this.redis, this.cacheStats)],
        concurrency: this.options.concurrency,
        seed: run.seed,
      });
      const items = new Map<string, TaskItem>();
      for (const split of SPLITS) for (const it of parts.task.items(split)) items.set(it.id, it);
      found = { ctx, items };
      this.contexts.set(key, found);
    }
    return found;
  }

  async process(data: unknown): Promise<ItemOutcome[]> {
    const job = EvalJobSchema.parse(data);
    const { ctx, items } = this.contextFor(job.run);
    const graph = parseGraph(job.graph, { models: [...ctx.models.keys()], source: "queue job" });
    const chosen = job.items.map((id) => {
      const it = items.get(id);
      if (!it) throw new Error(`task ${job.run.task} has no item ${id} on this worker (is its data the coordinator's?)`);
      return it;
    });
    const r = await evaluate(graph, chosen, ctx, { keepPrompts: false, keepText: false });
    const outcomes = r.traces.map(outcomeOf);
    const k = spendKey(runKey(job.run));
    await this.redis
      .multi()
      .hincrby(k, "jobs", 1)
      .hincrby(k, "items", outcomes.length)
      .hincrby(k, "calls", outcomes.reduce((s, o) => s + o.calls, 0))
      .hincrbyfloat(k, "flops", outcomes.reduce((s, o) => s + o.flops, 0))
      .hincrbyfloat(k, "dollars", outcomes.reduce((s, o) => s + (o.dollars ?? 0), 0))
      .exec();
    return outcomes;
  }
}

/** Start pulling jobs; close the returned worker to stop (jobs in hand finish first). */
export function startEvalWorker(options: EvalWorkerOptions): { worker: Worker; processor: EvalProcessor; close(): Promise<void> } {
  const redis = redisConnection(options.url);
  const processor = new EvalProcessor(redis, options);
  const lockDuration = options.lockMs ?? 10_000;
  const conn = redisConnection(options.url);
  const run = options.sandbox ? options.sandbox.file : (job: Job) => processor.process(job.data);
  const worker = new Worker(EVAL_QUEUE, run, {
    name: `${hostname()}:${process.pid}`,
    connection: conn,
    concurrency: options.concurrency,
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: 5,
    ...(options.sandbox ? { useWorkerThreads: false, workerForkOptions: { env: { ...process.env, ...options.sandbox.env } } } : {}),
  });
  return {
    worker,
    processor,
    async close() {
      await worker.close();
      // BullMQ leaves connections it was given open on close.
      conn.disconnect();
      redis.disconnect();
    },
  };
}
