/**
 * What travels through the queue: an evaluation job (one graph on a chunk of items, with everything
 * a worker needs to rebuild the run's execution context) and its result, the items' outcomes. Job
 * ids derive from the evaluation itself, so adding a job twice is a no-op and a resumed coordinator
 * finds the jobs its predecessor added, finished or not.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { UserError } from "../errors.js";
import { graphHash, type Graph } from "../graph/index.js";
import type { ItemOutcome } from "../search/types.js";

/** The BullMQ queue evaluation jobs go through. */
export const EVAL_QUEUE = "tts-graph-eval";
/** Prefix of the keys this project keeps in Redis beside BullMQ's. */
export const KEY_PREFIX = "tts-graph";
export const JOB_FORMAT = 1;

/** What decides a run's evaluations besides the graph and the items: resolved by each worker. */
export const RunSpecSchema = z.object({
  task: z.string(),
  pool: z.string(),
  data: z.string().optional(),
  splits: z.unknown().optional(),
  seed: z.number().int(),
});
export type RunSpec = z.infer<typeof RunSpecSchema>;

export const EvalJobSchema = z.object({
  v: z.literal(JOB_FORMAT),
  run: RunSpecSchema,
  /** Validated again by the executor before it runs. */
  graph: z.record(z.string(), z.unknown()),
  split: z.string(),
  items: z.array(z.string()).min(1),
});
export type EvalJob = z.infer<typeof EvalJobSchema>;

export const ItemOutcomeSchema = z.object({
  itemId: z.string(),
  correct: z.boolean().nullable(),
  errored: z.boolean(),
  flops: z.number(),
  latencyMs: z.number(),
  dollars: z.number().optional(),
  calls: z.number(),
  retries: z.number().optional(),
  error: z.string().optional(),
  unreadable: z.literal(true).optional(),
});

const sha = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");

/** Identifies a run's evaluation context (not its concurrency or where it runs). */
export function runKey(run: RunSpec): string {
  return sha([JOB_FORMAT, run.task, run.pool, run.data ?? null, run.splits ?? null, run.seed]).slice(0, 24);
}

/** The job id of one graph on one chunk of items: the same evaluation always gets the same id. */
export function evalJobId(run: RunSpec, graph: Graph, split: string, items: readonly string[]): string {
  // A prefix keeps the id from ever being all digits, which BullMQ reserves for its own ids.
  return `e${sha([runKey(run), graphHash(graph), split, items])}`;
}

/**
 * A job's return value as outcomes, in the order of its items. The checked value itself is returned,
 * not zod's copy: its keys keep the order the worker wrote, so the journal reads as a local run's.
 */
export function parseOutcomes(value: unknown, items: readonly string[], jobId: string): ItemOutcome[] {
  const r = z.array(ItemOutcomeSchema).safeParse(value);
  if (!r.success) throw new Error(`queue job ${jobId} returned a malformed result: ${r.error.issues[0]?.message ?? "not a list of outcomes"}`);
  const got = r.data.map((o) => o.itemId);
  if (got.length !== items.length || got.some((id, i) => id !== items[i])) {
    throw new Error(`queue job ${jobId} returned outcomes for items ${got.join(",")}, expected ${items.join(",")}`);
  }
  return value as ItemOutcome[];
}

/** Redis connection settings from a `redis://` (or `rediss://`) URL; a bad URL is a user error. */
export function redisUrl(url: string, flag = "--queue"): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`${flag} ${url}: expected a Redis URL such as redis://127.0.0.1:6379`, { code: "bad_queue_url", source: flag });
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new UserError(`${flag} ${url}: expected a redis:// or rediss:// URL, got ${u.protocol}`, { code: "bad_queue_url", source: flag });
  }
  return url;
}
