/**
 * The coordinator's side of the queue: an {@link Evaluator} that splits the items into chunks, adds
 * one job per chunk (ids derived from the evaluation, so re-adding is a no-op and a resumed run
 * picks up finished jobs), waits for the workers' results and returns outcomes in item order.
 *
 * A completed job is removed once its result has been read, so a long run does not grow Redis
 * without bound; jobs that complete while their coordinator is down stay until a resume reads them.
 * A job removed under a waiter (by another coordinator of the same evaluation, or by the queue's
 * bound on kept jobs) is added again: its calls are then answered by the shared cache.
 */
import { Queue, QueueEvents, type Job } from "bullmq";
import type { Graph } from "../graph/index.js";
import type { Evaluator } from "../search/harness.js";
import type { ItemOutcome } from "../search/types.js";
import type { TaskItem } from "../tasks/types.js";
import { EVAL_QUEUE, JOB_FORMAT, evalJobId, parseOutcomes, type EvalJob, type RunSpec } from "./jobs.js";
import { redisConnection } from "./redis.js";

/**
 * Finished jobs the queue keeps at most, of those no coordinator removed (its coordinator died and
 * was not resumed): enough for a resume to find the jobs that finished while it was down.
 */
export const KEEP_FINISHED = 10_000;

export interface QueueEvaluatorOptions {
  /** Redis URL of the queue. */
  url: string;
  run: RunSpec;
  /**
   * Items per job (default 1). A worker takes as many jobs at once as it makes calls at once, so
   * larger chunks let the first worker to wake hoard items the others could run.
   */
  chunk?: number | undefined;
  /** Tries of a job whose worker failed (not of a failed model call, which is an errored item). */
  attempts?: number | undefined;
}

export interface QueueEvaluator {
  evaluator: Evaluator;
  /** Jobs added by this coordinator, and jobs found already in the queue (finished or not). */
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
  const size = Math.max(1, options.chunk ?? 1);
  // BullMQ leaves connections it was given open on close: they are ended here.
  const conns = [redisConnection(options.url), redisConnection(options.url)] as const;
  const queue = new Queue(EVAL_QUEUE, { connection: conns[0] });
  const events = new QueueEvents(EVAL_QUEUE, { connection: conns[1] });
  // Every chunk in flight waits on these two emitters.
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const stats = { added: 0, reused: 0 };
  let closed = false;
  // BullMQ's waits never end when their queue closes: every wait is cut short here instead.
  let endWaits = (_: Error) => {};
  const ended = new Promise<never>((_, reject) => (endWaits = reject));
  ended.catch(() => undefined);
  const jobOptions = { attempts: options.attempts ?? 3, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: { count: KEEP_FINISHED }, removeOnFail: { count: KEEP_FINISHED } };

  /** The job of `jobId`, added when the queue does not hold it; one that failed for good before is tried again. */
  const submit = async (jobId: string, data: EvalJob): Promise<Job> => {
    const found: Job | undefined = await queue.getJob(jobId);
    if (!found) {
      stats.added++;
      return queue.add("eval", data, { jobId, ...jobOptions });
    }
    stats.reused++;
    // e.g. every worker was down for all its tries.
    if ((await found.getState()) === "failed") await found.retry("failed");
    return found;
  };

  const runJob = async (jobId: string, data: EvalJob): Promise<ItemOutcome[]> => {
    for (;;) {
      const job = await submit(jobId, data);
      let value: unknown;
      try {
        value = await Promise.race([job.waitUntilFinished(events), ended]);
      } catch (err) {
        if (!closed && (await queue.getJob(jobId)) === undefined) continue;
        // A failed job stays for `status` to show (bounded by KEEP_FINISHED); the next submit retries it.
        throw err;
      }
      await job.remove().catch(() => undefined);
      return parseOutcomes(value, data.items, jobId);
    }
  };

  // Identical evaluations asked at once share one job: each waiter removing it on completion would
  // otherwise make a later waiter add it again.
  const inFlight = new Map<string, Promise<ItemOutcome[]>>();
  const runChunk = (graph: Graph, split: string, ids: string[]): Promise<ItemOutcome[]> => {
    const jobId = evalJobId(options.run, graph, split, ids);
    let pending = inFlight.get(jobId);
    if (!pending) {
      pending = runJob(jobId, { v: JOB_FORMAT, run: options.run, graph: graph as EvalJob["graph"], split, items: ids }).finally(() => inFlight.delete(jobId));
      inFlight.set(jobId, pending);
    }
    // Each caller gets its own outcomes, as from a job of its own.
    return pending.then((os) => os.map((o) => ({ ...o })));
  };

  const evaluator: Evaluator = async (graph: Graph, items: TaskItem[], split) => {
    const parts = await Promise.all(chunks(items.map((i) => i.id), size).map((ids) => runChunk(graph, split, ids)));
    return parts.flat();
  };
  return {
    evaluator,
    stats,
    async close() {
      closed = true;
      endWaits(new Error("the queue evaluator was closed before its jobs finished"));
      await events.close();
      await queue.close();
      for (const c of conns) c.disconnect();
    },
  };
}
