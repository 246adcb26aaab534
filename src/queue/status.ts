/** What the queue holds: the workers connected, jobs by state, and a run's spend as the workers recorded it. */
import { Queue } from "bullmq";
import { EVAL_QUEUE, runKey, type RunSpec } from "./jobs.js";
import { redisConnection } from "./redis.js";
import { spendKey } from "./worker.js";

export interface QueueStatus {
  url: string;
  workers: { name: string; addr: string }[];
  jobs: { waiting: number; active: number; delayed: number; completed: number; failed: number };
  /** Totals of the run's finished jobs (absent when no run was asked about). */
  spend?: { jobs: number; items: number; calls: number; flops: number; dollars: number } | undefined;
}

export async function queueStatus(url: string, run?: RunSpec): Promise<QueueStatus> {
  const conn = redisConnection(url);
  const queue = new Queue(EVAL_QUEUE, { connection: conn });
  try {
    const counts = await queue.getJobCounts("waiting", "active", "delayed", "completed", "failed");
    const workers = (await queue.getWorkers()).map((w) => ({ name: String(w.name ?? ""), addr: String(w.addr ?? "") }));
    let spend: QueueStatus["spend"];
    if (run) {
      const h = await conn.hgetall(spendKey(runKey(run)));
      const n = (k: string) => Number(h[k] ?? 0);
      spend = { jobs: n("jobs"), items: n("items"), calls: n("calls"), flops: n("flops"), dollars: n("dollars") };
    }
    const c = (k: string) => counts[k] ?? 0;
    return { url, workers, jobs: { waiting: c("waiting"), active: c("active"), delayed: c("delayed"), completed: c("completed"), failed: c("failed") }, ...(spend ? { spend } : {}) };
  } finally {
    await queue.close();
    conn.disconnect();
  }
}
