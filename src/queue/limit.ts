/**
 * The per-endpoint concurrency cap held over every worker together: a counting semaphore in Redis
 * (the "fair semaphore" of Redis in Action: an owners set ordered by a Redis counter, so clock skew
 * between machines cannot let two holders in at once, and a timeouts set from which holders of a
 * dead worker expire). A holder renews its lease while its call runs.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { endpointIdentity, type ProviderMiddleware } from "../exec/index.js";
import type { CallResult, Provider } from "../models/provider.js";
import type { ModelSpec } from "../models/spec.js";
import { KEY_PREFIX } from "./jobs.js";
import { createHash } from "node:crypto";

/** A holder that stopped renewing (its worker died) is dropped after this long. */
const LEASE_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Redis key stem of an endpoint's semaphore. */
export function limitKey(model: ModelSpec): string {
  return `${KEY_PREFIX}:limit:${createHash("sha256").update(JSON.stringify(endpointIdentity(model))).digest("hex").slice(0, 24)}`;
}

/** Try once to take one of `cap` slots; the token when taken. */
async function tryAcquire(redis: Redis, stem: string, cap: number): Promise<string | undefined> {
  const token = randomUUID();
  const now = Date.now();
  const [owners, times, counter] = [`${stem}:owners`, `${stem}:times`, `${stem}:counter`];
  const first = await redis.multi().zremrangebyscore(times, "-inf", now - LEASE_MS).zinterstore(owners, 2, owners, times, "WEIGHTS", 1, 0).incr(counter).exec();
  const n = Number(first?.[2]?.[1]);
  const second = await redis.multi().zadd(times, now, token).zadd(owners, n, token).zrank(owners, token).exec();
  const rank = second?.[2]?.[1];
  if (typeof rank === "number" && rank < cap) return token;
  await redis.multi().zrem(times, token).zrem(owners, token).exec();
  return undefined;
}

async function release(redis: Redis, stem: string, token: string): Promise<void> {
  await redis.multi().zrem(`${stem}:times`, token).zrem(`${stem}:owners`, token).exec();
}

/** Hold one of `cap` slots of the endpoint while `work` runs. */
export async function withSlot<T>(redis: Redis, stem: string, cap: number, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  let token: string | undefined;
  for (let wait = 5; !(token = await tryAcquire(redis, stem, cap)); wait = Math.min(100, wait * 2)) {
    signal?.throwIfAborted();
    await sleep(wait * (0.5 + Math.random()));
  }
  const held = token;
  const renew = setInterval(() => void redis.zadd(`${stem}:times`, "XX", Date.now(), held).catch(() => undefined), LEASE_MS / 4);
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await release(redis, stem, held).catch(() => undefined);
  }
}

/**
 * Middleware capping the calls in flight to each endpoint over all workers at `capOf(model)`
 * (the endpoint's `concurrency` in the pool file); models without a cap are not limited here.
 */
export function withSharedLimit(redis: Redis, capOf: (model: ModelSpec) => number | undefined): ProviderMiddleware {
  return (inner: Provider): Provider => ({
    specificationVersion: inner.specificationVersion,
    provider: inner.provider,
    streams: inner.streams,
    close: inner.close?.bind(inner),
    generate(request): Promise<CallResult> {
      const cap = capOf(request.model);
      if (cap === undefined) return inner.generate(request);
      return withSlot(redis, limitKey(request.model), cap, () => inner.generate(request), request.signal);
    },
  });
}
