/**
 * A circuit breaker per model: when its calls keep failing after their retries, the endpoint is
 * taken to be down and the run stops cleanly instead of marking every remaining item errored (a
 * dead server otherwise costs items x attempts x backoff before anything says so). It opens after
 * `threshold` final failures with no success in between, spread over at least `windowMs`: a flaky
 * server whose calls often succeed never opens it, and neither does a burst of calls in flight
 * together that fail at once. Failures that belong to one request (HTTP 400, 413, 422: a prompt
 * over the context, a bad parameter) do not count. A run stops at the first refusal; a long-lived
 * server (`serve`) lets one call through again after `retryAfterMs`, and closes the breaker when it
 * succeeds.
 */
import { EndpointDownError, ProviderCallError, RetryError } from "./errors.js";
import type { CallRequest, CallResult, Provider } from "./provider.js";

export interface BreakerOptions {
  /** Final failures with no success in between (default 5)... */
  threshold?: number | undefined;
  /** ...over at least this long (default 3 s; a call's own retries take about 3.5 s). */
  windowMs?: number | undefined;
  /** How long an open breaker refuses calls before trying one again (default 30 s). */
  retryAfterMs?: number | undefined;
  now?: (() => number) | undefined;
}

export const DEFAULT_BREAKER_THRESHOLD = 5;
export const DEFAULT_BREAKER_WINDOW_MS = 3_000;
export const DEFAULT_BREAKER_RETRY_AFTER_MS = 30_000;

/** The error a call finally failed with (the last attempt's). */
function lastError(err: unknown): unknown {
  return err instanceof RetryError ? err.errors[err.errors.length - 1] : err;
}

/** Whether a final failure belongs to the request rather than the endpoint. */
export function requestAtFault(err: unknown): boolean {
  const last = lastError(err);
  if (!(last instanceof ProviderCallError)) return false;
  if (last.code === "aborted") return true;
  return last.status === 400 || last.status === 413 || last.status === 422;
}

/** Wrap a (retrying) provider: once the breaker opens, every call throws {@link EndpointDownError}. */
export function withCircuitBreaker(provider: Provider, modelId: string, options: BreakerOptions = {}): Provider {
  const threshold = options.threshold ?? DEFAULT_BREAKER_THRESHOLD;
  const windowMs = options.windowMs ?? DEFAULT_BREAKER_WINDOW_MS;
  const now = options.now ?? Date.now;
  let failures = 0;
  let since = 0;
  const retryAfterMs = options.retryAfterMs ?? DEFAULT_BREAKER_RETRY_AFTER_MS;
  let open: EndpointDownError | undefined;
  let openedAt = 0;
  let trial = false;
  return {
    specificationVersion: provider.specificationVersion,
    provider: provider.provider,
    close: provider.close?.bind(provider),
    async generate(request: CallRequest): Promise<CallResult> {
      let isTrial = false;
      if (open) {
        // Half-open: after a while one call tries the endpoint again; the others are still refused.
        if (trial || now() - openedAt < retryAfterMs) throw open;
        trial = isTrial = true;
      }
      try {
        const r = await provider.generate(request);
        failures = 0;
        open = undefined;
        trial = false;
        return r;
      } catch (err) {
        if (isTrial) {
          trial = false;
          openedAt = now();
          throw open!;
        }
        if (open) throw open;
        if (requestAtFault(err)) throw err;
        if (failures++ === 0) since = now();
        const seconds = (now() - since) / 1000;
        if (failures >= threshold && seconds * 1000 >= windowMs) {
          const why = err instanceof Error ? err.message : String(err);
          openedAt = now();
          open = new EndpointDownError(`model ${modelId}: ${failures} calls failed after their retries over ${seconds.toFixed(0)} s without one success; its endpoint is taken to be down (last: ${why})`, modelId, err);
          throw open;
        }
        throw err;
      }
    },
  };
}
