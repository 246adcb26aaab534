/**
 * The coordinator's evaluator against a real Redis and a worker in this process: completed jobs are
 * removed once read, a job that completed while no coordinator was waiting is picked up (not run
 * again) by the next one, and identical evaluations asked at once share one job.
 */
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveRun } from "../../src/cli/queue-setup.js";
import type { Graph } from "../../src/graph/index.js";
import { EVAL_QUEUE, queueEvaluator, queueStatus, redisConnection, startEvalWorker, type RunSpec } from "../../src/queue/index.js";
import { redisMissing, startRedis, type RedisProcess } from "../helpers/redis.js";

const missing = redisMissing();
if (missing) console.log(`skipping the queue evaluator tests: ${missing}`);

const graph: Graph = { version: 1, nodes: [{ id: "a", role: "assistant", model: "llama-3b" }], edges: [], output: "a" };
let redis: RedisProcess;

beforeAll(async () => {
  if (!missing) redis = await startRedis();
});
afterAll(async () => {
  if (!missing) await redis.stop();
});

/** A worker in this process counting the jobs it ran. */
function worker() {
  const w = startEvalWorker({ url: redis.url, concurrency: 4, resolve: (run) => resolveRun(run) });
  const ran: string[] = [];
  w.worker.on("completed", (job) => ran.push(String(job.id)));
  return { ran, close: () => w.close(), ready: () => w.worker.waitUntilReady() };
}

const finishedJobs = async () => {
  const { jobs } = await queueStatus(redis.url);
  return jobs;
};

describe.skipIf(missing !== undefined)("queueEvaluator", () => {
  it("returns each item's outcome and leaves no finished job in the queue", async () => {
    const run: RunSpec = { task: "sim:math", pool: "sim:llama", seed: 1 };
    const w = worker();
    await w.ready();
    const q = await queueEvaluator({ url: redis.url, run });
    try {
      const items = resolveRun(run).task.items("search").slice(0, 12);
      const out = await q.evaluator(graph, items, "search");
      expect(out.map((o) => o.itemId)).toEqual(items.map((i) => i.id));
      expect(out.every((o) => !o.errored && o.calls === 1)).toBe(true);
      expect(q.stats).toEqual({ added: 12, reused: 0 });
      expect(w.ran).toHaveLength(12);
      expect(await finishedJobs()).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
    } finally {
      await q.close();
      await w.close();
    }
  });

  it("picks up jobs that completed while no coordinator waited, without running them again", async () => {
    const run: RunSpec = { task: "sim:math", pool: "sim:llama", seed: 2 };
    const items = resolveRun(run).task.items("search").slice(0, 6);
    // A coordinator adds the jobs and goes away before any worker is up.
    const first = await queueEvaluator({ url: redis.url, run });
    const abandoned = first.evaluator(graph, items, "search").catch((e: unknown) => e);
    const conn = redisConnection(redis.url);
    const queue = new Queue(EVAL_QUEUE, { connection: conn });
    try {
      while ((await queue.getJobCounts("waiting")).waiting < items.length) await new Promise((r) => setTimeout(r, 10));
      await first.close();
      expect(await abandoned).toBeInstanceOf(Error);
      const w = worker();
      while ((await queue.getJobCounts("completed")).completed < items.length) await new Promise((r) => setTimeout(r, 20));
      // The next coordinator of the same evaluation finds them finished.
      const second = await queueEvaluator({ url: redis.url, run });
      const out = await second.evaluator(graph, items, "search");
      await second.close();
      await w.close();
      expect(out.map((o) => o.itemId)).toEqual(items.map((i) => i.id));
      expect(second.stats).toEqual({ added: 0, reused: items.length });
      expect(w.ran).toHaveLength(items.length);
      expect(await finishedJobs()).toMatchObject({ completed: 0, failed: 0 });
    } finally {
      await queue.close();
      conn.disconnect();
    }
  });

  it("runs identical evaluations asked at once as one job each", async () => {
    const run: RunSpec = { task: "sim:math", pool: "sim:llama", seed: 3 };
    const items = resolveRun(run).task.items("search").slice(0, 5);
    const w = worker();
    await w.ready();
    const q = await queueEvaluator({ url: redis.url, run });
    try {
      const [a, b] = await Promise.all([q.evaluator(graph, items, "search"), q.evaluator(graph, items, "search")]);
      expect(b).toEqual(a);
      expect(b[0]).not.toBe(a[0]);
      expect(q.stats.added + q.stats.reused).toBe(items.length);
      expect(w.ran).toHaveLength(items.length);
    } finally {
      await q.close();
      await w.close();
    }
  });
});
