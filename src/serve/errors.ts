/**
 * Errors the server answers with, in the OpenAI wire shape `{error: {message, type, param, code}}`,
 * so OpenAI clients raise them as API errors with the status and message intact.
 */
import { TtsGraphError } from "../errors.js";

/** OpenAI's error types: clients switch on these, so only these are used. */
export type OpenAIErrorType = "invalid_request_error" | "not_found_error" | "server_error" | "api_error";

/** The body of an error response. `node` is ours: the graph node whose call failed. */
export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; param: string | null; code: string | null; node?: string };
}

/** A request the server refuses or could not serve, with the status and body to answer. */
export class HttpError extends TtsGraphError {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  readonly node: string | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, options: { type?: OpenAIErrorType; param?: string | null; node?: string; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.type = options.type ?? (status === 404 ? "not_found_error" : status >= 500 ? "server_error" : "invalid_request_error");
    this.param = options.param ?? null;
    this.node = options.node;
    this.headers = options.headers ?? {};
  }

  body(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code, ...(this.node !== undefined ? { node: this.node } : {}) } };
  }
}

/** A JSON response. */
export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json", ...headers } });
}

/** The response for an error. */
export function errorResponse(err: HttpError): Response {
  return jsonResponse(err.status, err.body(), err.headers);
}
