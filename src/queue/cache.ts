/**
 * The response cache shared by every worker, in Redis: keyed as the SQLite cache keys a call (its
 * endpoint, model, messages, sampling and sample index, {@link cacheKey}), written only when absent
 * (SET NX), so a call is paid once across all workers and across a resume. Errors are never stored.
 * Identical calls in flight at once on several workers share one request: the first takes a short
 * claim on the key (renewed while its call runs), the others wait for its answer; if it fails or its
 * worker dies, the claim ends and a waiter makes its own call. Redis being unreachable for a moment
 * costs cache hits, never the call.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import { cacheKey, type ProviderMiddleware } from "../exec/index.js";
import { endpointCapabilities } from "../models/capabilities.js";
import type { CallResult, Provider } from "../models/provider.js";
import { KEY_PREFIX } from "./jobs.js";

const StoredSchema = z.object({
  text: z.string(),
  finishReason: z.enum(["stop", "length", "content_filter", "other"]),
  rawFinishReason: z.string().optional(),
  usage: z.object({ promptTokens: z.number().optional(), completionTokens: z.number().optional(), estimated: z.boolean().optional() }),
  latencyMs: z.number(),
  warnings: z.array(z.string()),
});

export const cacheRedisKey = (key: string) => `${KEY_PREFIX}:cache:${key}`;
const claimKey = (key: string) => `${KEY_PREFIX}:claim:${key}`;
/** How long a claim outlives a worker that stopped renewing it. */
const CLAIM_MS = 15_000;
const POLL_MS = 25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SharedCacheStats {
  hits: number;
  misses: number;
  /** Lookups or writes that failed because Redis could not be reached. */
  unavailable: number;
}

/** Middleware serving calls from, and storing them in, the shared Redis cache. */
export function withSharedCache(redis: Redis, stats: SharedCacheStats = { hits: 0, misses: 0, unavailable: 0 }): ProviderMiddleware {
  const read = async (key: string): Promise<z.infer<typeof StoredSchema> | undefined> => {
    let raw: string | null;
    try {
      raw = await redis.get(cacheRedisKey(key));
    } catch {
      stats.unavailable++;
      return undefined;
    }
    if (raw === null) return undefined;
    try {
      const r = StoredSchema.safeParse(JSON.parse(raw));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  };
  const hit = (found: z.infer<typeof StoredSchema>): CallResult => ({
    ...found,
    usage: { promptTokens: found.usage.promptTokens, completionTokens: found.usage.completionTokens, ...(found.usage.estimated ? { estimated: true } : {}) },
    attempts: 0,
    cache: "hit",
  });
  /** Take the claim on a key; true when this caller must make the call. Without Redis, it must. */
  const claim = async (key: string, owner: string): Promise<boolean> => {
    try {
      return (await redis.set(claimKey(key), owner, "PX", CLAIM_MS, "NX")) === "OK";
    } catch {
      stats.unavailable++;
      return true;
    }
  };
  const store = async (key: string, result: CallResult) => {
    const value = {
      text: result.text,
      finishReason: result.finishReason,
      ...(result.rawFinishReason !== undefined ? { rawFinishReason: result.rawFinishReason } : {}),
      usage: { promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens, ...(result.usage.estimated ? { estimated: true } : {}) },
      latencyMs: result.latencyMs,
      warnings: result.warnings,
    };
    try {
      await redis.set(cacheRedisKey(key), JSON.stringify(value), "NX");
    } catch {
      stats.unavailable++;
    }
  };
  const callClaimed = async (inner: Provider, request: Parameters<Provider["generate"]>[0], key: string, owner: string): Promise<CallResult> => {
    const renew = setInterval(() => void redis.set(claimKey(key), owner, "PX", CLAIM_MS).catch(() => undefined), CLAIM_MS / 3);
    try {
      const result = await inner.generate(request);
      await store(key, result);
      return { ...result, cache: "miss" };
    } finally {
      clearInterval(renew);
      await redis.del(claimKey(key)).catch(() => undefined);
    }
  };
  let owners = 0;
  return (inner: Provider): Provider => ({
    specificationVersion: inner.specificationVersion,
    provider: inner.provider,
    streams: inner.streams,
    close: inner.close?.bind(inner),
    async generate(request): Promise<CallResult> {
      if (!endpointCapabilities(request.model.endpoint).responseCache) return inner.generate(request);
      const key = cacheKey(request);
      const owner = `${process.pid}:${++owners}:${Math.random().toString(36).slice(2)}`;
      for (;;) {
        const found = await read(key);
        if (found) {
          stats.hits++;
          return hit(found);
        }
        if (await claim(key, owner)) {
          // The holder before us may have stored its answer between our read and our claim.
          const late = await read(key);
          if (late) {
            await redis.del(claimKey(key)).catch(() => undefined);
            stats.hits++;
            return hit(late);
          }
          stats.misses++;
          return callClaimed(inner, request, key, owner);
        }
        request.signal?.throwIfAborted();
        await sleep(POLL_MS);
      }
    },
  });
}
