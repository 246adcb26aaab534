/**
 * The per-endpoint concurrency cap held over every worker together: a counting semaphore in Redis,
 * a sorted set of holders scored by when they last renewed, taken by a short script so the check
 * and the take are one step. Holders of a dead worker expire; a live holder renews its lease while
 * its call runs.
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

/**
 * Take a slot when fewer than `cap` are held, after dropping holders whose lease ran out: one script,
 * so no two workers can both see the last free slot. Time is the Redis server's, so clock skew
 * between machines moves nothing.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  return 1
end
return 0`;
const RENEW = `
local t = redis.call('TIME')
return redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])`;

/** Try once to take one of `cap` slots; the token when taken. */
async function tryAcquire(redis: Redis, stem: string, cap: number): Promise<string | undefined> {
  const token = randomUUID();
  const got = await redis.eval(ACQUIRE, 1, `${stem}:holders`, cap, LEASE_MS, token);
  return got === 1 ? token : undefined;
}

async function release(redis: Redis, stem: string, token: string): Promise<void> {
  await redis.zrem(`${stem}:holders`, token);
}

/** Hold one of `cap` slots of the endpoint while `work` runs. */
export async function withSlot<T>(redis: Redis, stem: string, cap: number, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  let token: string | undefined;
  for (let wait = 5; !(token = await tryAcquire(redis, stem, cap)); wait = Math.min(100, wait * 2)) {
    signal?.throwIfAborted();
    await sleep(wait * (0.5 + Math.random()));
  }
  const held = token;
  const renew = setInterval(() => void redis.eval(RENEW, 1, `${stem}:holders`, held).catch(() => undefined), LEASE_MS / 4);
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
