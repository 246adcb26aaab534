/** Errors at the provider boundary. Retryability is decided here, once. */
import { TtsGraphError, UserError, type Issue } from "../errors.js";

/**
 * A model call failed. `isRetryable` is true for timeouts, connection failures, 408, 409, 429 and 5xx.
 *
 * @example
 * ```ts
 * import { ProviderCallError, type CustomProvider } from "tts-graph";
 *
 * const flaky: CustomProvider = {
 *   async generate() {
 *     throw new ProviderCallError("the model is overloaded", { status: 503 }); // retryable: 5xx
 *   },
 * };
 * ```
 */
export class ProviderCallError extends TtsGraphError {
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly responseBody: string | undefined;
  readonly isRetryable: boolean;
  /** Milliseconds the server asked us to wait (Retry-After / retry-after-ms), when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: { url?: string; status?: number; responseBody?: string; isRetryable?: boolean; retryAfterMs?: number; cause?: unknown; code?: string } = {},
  ) {
    super(options.code ?? "provider_call", message, { cause: options.cause });
    this.name = "ProviderCallError";
    this.url = options.url;
    this.status = options.status;
    this.responseBody = options.responseBody;
    this.retryAfterMs = options.retryAfterMs;
    this.isRetryable = options.isRetryable ?? (options.status === undefined ? true : isRetryableStatus(options.status));
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Every attempt failed; `errors` holds each attempt's error, `reason` why we stopped. */
export class RetryError extends TtsGraphError {
  constructor(
    message: string,
    readonly reason: "max_retries" | "not_retryable" | "aborted",
    readonly errors: unknown[],
  ) {
    super("retry_exhausted", message, { cause: errors[errors.length - 1] });
    this.name = "RetryError";
  }
}

/**
 * A model's endpoint keeps failing after retries (see `breaker.ts`): the run stops instead of
 * counting every remaining item as errored. Not a user error (exit 1): the run can be resumed.
 */
export class EndpointDownError extends TtsGraphError {
  constructor(
    message: string,
    readonly model: string,
    cause?: unknown,
  ) {
    super("endpoint_down", message, { cause });
    this.name = "EndpointDownError";
  }
}

/** A provider cannot be set up (missing API key, missing optional package, bad endpoint). */
export class ProviderConfigError extends UserError {
  constructor(message: string, source?: string, issues?: Issue[]) {
    super(message, { code: "provider_config", ...(source === undefined ? {} : { source }), ...(issues === undefined ? {} : { issues }) });
    this.name = "ProviderConfigError";
  }
}
