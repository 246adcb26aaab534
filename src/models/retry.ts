/**
 * Retries as provider middleware: only retryable failures (as decided by {@link ProviderCallError})
 * are retried, with exponential backoff and seeded jitter, honouring the server's Retry-After. Every
 * attempt is counted: a success reports `attempts`, a final failure is a {@link RetryError} holding
 * each attempt's error.
 */
import { Rng } from "../util/rng.js";
import { ProviderCallError, RetryError } from "./errors.js";
import { sleep as defaultSleep } from "./limiter.js";
import type { CallRequest, CallResult, Provider } from "./provider.js";

export interface RetryPolicy {
  /** Retries after the first attempt (so at most maxRetries + 1 attempts). */
  maxRetries: number;
  /** Backoff before the first retry; doubled (`factor`) for each further one. */
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** A Retry-After longer than this is ignored in favour of the backoff (a server asking for minutes is not waited on). */
  maxRetryAfterMs: number;
  /** Seed of the jitter; the draw is keyed by the request and the attempt, so reruns wait the same. */
  seed: number;
  /** Injectable for tests that record the waits. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Called before each wait. */
  onRetry?: ((info: { attempt: number; delayMs: number; error: ProviderCallError; request: CallRequest }) => void) | undefined;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  initialDelayMs: 500,
  maxDelayMs: 20_000,
  factor: 2,
  maxRetryAfterMs: 60_000,
  seed: 0,
};

/**
 * Wait before retry number `attempt` (1-based). The server's own Retry-After wins when it is given and
 * reasonable; otherwise exponential backoff scaled by a seeded factor in [0.5, 1), so concurrent
 * callers spread out but the wait never exceeds the cap.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, error: ProviderCallError, key: string): number {
  if (error.retryAfterMs !== undefined && error.retryAfterMs >= 0 && error.retryAfterMs <= policy.maxRetryAfterMs) return error.retryAfterMs;
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
  const jitter = 0.5 + 0.5 * new Rng(policy.seed, "retry", key, attempt).next();
  return Math.round(base * jitter);
}

function requestKey(r: CallRequest): string {
  return `${r.model.id}|${r.metadata?.taskId}|${r.metadata?.item.id}|${r.sampleIndex}`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Wrap a provider with retries. */
export function withRetry(provider: Provider, policy: Partial<RetryPolicy> = {}): Provider {
  const p: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...policy };
  const wait = p.sleep ?? defaultSleep;
  return {
    specificationVersion: provider.specificationVersion,
    provider: provider.provider,
    streams: provider.streams,
    close: provider.close?.bind(provider),
    async generate(request: CallRequest): Promise<CallResult> {
      const errors: unknown[] = [];
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await provider.generate(request);
          return { ...result, attempts: attempt };
        } catch (err) {
          errors.push(err);
          const retryable = err instanceof ProviderCallError && err.isRetryable;
          if (!retryable) {
            if (errors.length === 1) throw err;
            throw new RetryError(`${request.model.id}: failed after ${attempt} attempts; the last error is not retryable: ${describe(err)}`, "not_retryable", errors);
          }
          if (attempt > p.maxRetries) {
            if (errors.length === 1) throw err;
            throw new RetryError(`${request.model.id}: failed after ${attempt} attempts: ${describe(err)}`, "max_retries", errors);
          }
          if (request.signal?.aborted) throw new RetryError(`${request.model.id}: aborted after ${attempt} attempts: ${describe(err)}`, "aborted", errors);
          const delayMs = retryDelayMs(p, attempt, err, requestKey(request));
          p.onRetry?.({ attempt, delayMs, error: err, request });
          try {
            await wait(delayMs, request.signal);
          } catch {
            throw new RetryError(`${request.model.id}: aborted after ${attempt} attempts: ${describe(err)}`, "aborted", errors);
          }
        }
      }
    },
  };
}
