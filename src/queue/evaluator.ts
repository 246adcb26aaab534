/**
 * The coordinator's side of the queue: an {@link Evaluator} that splits the items into chunks, adds
 * one job per chunk (ids derived from the evaluation, so re-adding is a no-op and a resumed run
 * picks up finished jobs), waits for the workers' results and returns outcomes in item order.
 */
import { Queue, QueueEvents, type Job } from "bullmq";
import type { Graph } from "../graph/index.js";
import type { Evaluator } from "../search/harness.js";
import type { ItemOutcome } from "../search/types.js";
import type { TaskItem } from "../tasks/types.js";
import { EVAL_QUEUE, JOB_FORMAT, evalJobId, parseOutcomes, type EvalJob, type RunSpec } from "./jobs.js";
import { redisConnection } from "./redis.js";

export interface QueueEvaluatorOptions {
  /** Redis URL of the queue. */
  url: string;
  run: RunSpec;
  /** Items per job (default 4): smaller spreads work wider, larger costs less per item. */
  chunk?: number | undefined;
  /** Tries of a job whose worker failed (not of a failed model call, which is an errored item). */
  attempts?: number | undefined;
}

export interface QueueEvaluator {
  evaluator: Evaluator;
  /** Jobs added by this coordinator, and jobs found already finished in the queue. */
  readonly stats: { added: number; reused: number };
  close(): Promise<void>;
}

/** Split into chunks of at most `size`. */
export function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** An evaluator that runs every chunk of items as a job on the workers of the queue at `url`. */
export async function queueEvaluator(options: QueueEvaluatorOptions): Promise<QueueEvaluator> {
  const size = Math.max(1, options.chunk ?? 4);
  // BullMQ leaves connections it was given open on close: they are ended here.
  const conns = [redisConnection(options.url), redisConnection(options.url)] as const;
  const queue = new Queue(EVAL_QUEUE, { connection: conns[0] });
  const events = new QueueEvents(EVAL_QUEUE, { connection: conns[1] });
  // Every chunk in flight waits on these two emitters.
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const stats = { added: 0, reused: 0 };

  const runChunk = async (graph: Graph, split: string, ids: string[]): Promise<ItemOutcome[]> => {
    const jobId = evalJobId(options.run, graph, split, ids);
    const data: EvalJob = { v: JOB_FORMAT, run: options.run, graph: graph as EvalJob["graph"], split, items: ids };
    let job: Job | undefined = await queue.getJob(jobId);
    if (job) {
      stats.reused++;
      // A job that failed for good before (e.g. every worker was down) is tried again.
      if ((await job.getState()) === "failed") await job.retry("failed");
    } else {
      job = await queue.add("eval", data, { jobId, attempts: options.attempts ?? 3, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: false, removeOnFail: false });
      stats.added++;
    }
    const value: unknown = await job.waitUntilFinished(events);
    return parseOutcomes(value, ids, jobId);
  };

  const evaluator: Evaluator = async (graph: Graph, items: TaskItem[], split) => {
    const parts = await Promise.all(chunks(items.map((i) => i.id), size).map((ids) => runChunk(graph, split, ids)));
    return parts.flat();
  };
  return {
    evaluator,
    stats,
    async close() {
      await events.close();
      await queue.close();
      for (const c of conns) c.disconnect();
    },
  };
}
