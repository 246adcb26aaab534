/**
 * The processor BullMQ runs in separate processes for `tts-graph worker --sandbox`: each job's
 * evaluation, code grading included, runs in a child process, so CPU work never stalls the worker
 * that holds the jobs' locks. It lives beside the CLI because it resolves tasks and pools as a local
 * run does; the worker passes its settings in the environment.
 */
import type { SandboxedJob } from "bullmq";
import { EvalProcessor, redisConnection } from "../queue/index.js";
import { resolveRun } from "./queue-setup.js";

export const SANDBOX_ENV = { url: "TTS_GRAPH_QUEUE_URL", pool: "TTS_GRAPH_WORKER_POOL", concurrency: "TTS_GRAPH_WORKER_CONCURRENCY" } as const;

// A child whose worker died (killed with SIGKILL) must not run on alone; its job returns to the queue.
process.on("disconnect", () => process.exit(1));

let processor: EvalProcessor | undefined;

export default async function processEvalJob(job: SandboxedJob): Promise<unknown> {
  if (!processor) {
    const url = process.env[SANDBOX_ENV.url];
    if (!url) throw new Error(`${SANDBOX_ENV.url} is not set: this file is run by tts-graph worker --sandbox`);
    const pool = process.env[SANDBOX_ENV.pool] || undefined;
    processor = new EvalProcessor(redisConnection(url), { resolve: (run) => resolveRun(run, pool), concurrency: Number(process.env[SANDBOX_ENV.concurrency] ?? 8) });
  }
  return processor.process(job.data);
}
