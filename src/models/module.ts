/**
 * Providers of the user's own, named by a pool endpoint of kind `module`: a JS module (ESM) whose
 * export is a provider, or a function that makes one for a model. The module is imported when its
 * first call is made (or earlier through {@link checkProviderModule}), and everything it gives back
 * is checked, since it is code the package did not write: a module that cannot be used is a user
 * error naming the pool file and field, and a reply of the wrong shape is a failed call.
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { TtsGraphError } from "../errors.js";
import { ProviderCallError, ProviderConfigError } from "./errors.js";
import type { CallRequest, CallResult, Provider } from "./provider.js";
import type { ModelSpec } from "./spec.js";

/** What a module's function is given to make a provider for one pool model. */
export interface ProviderModuleContext {
  /** The pool model the provider will answer for. */
  model: ModelSpec;
  /** The endpoint's `options`, as written in the pool file (`{}` when absent). */
  options: Record<string, unknown>;
}

/**
 * A provider as a module writes it. Only `generate` is required, and its reply needs only `text`:
 * a missing finish reason is `stop`, missing token counts are estimated, a missing latency is the
 * measured wall-clock time of the call.
 *
 * @example
 * ```ts
 * // my-model.mjs, named by a pool endpoint { kind: module, path: ./my-model.mjs }
 * import type { CustomProvider } from "tts-graph";
 *
 * const provider: CustomProvider = {
 *   async generate(request) {
 *     return { text: `you said: ${request.messages.at(-1)!.content}` };
 *   },
 * };
 * export default provider;
 * ```
 */
export interface CustomProvider {
  /** A name for messages (default `module`). */
  readonly provider?: string | undefined;
  generate(request: CallRequest): Promise<CustomCallResult> | CustomCallResult;
  close?(): Promise<void> | void;
}

/** The reply of a {@link CustomProvider}: a {@link CallResult} whose fields other than `text` may be left out. */
export type CustomCallResult = Pick<CallResult, "text"> & Partial<Omit<CallResult, "text" | "usage">> & { usage?: Partial<CallResult["usage"]> | undefined };

/** A function a module may export instead of a provider: called once per pool model. */
export type ProviderFactory = (context: ProviderModuleContext) => CustomProvider | Promise<CustomProvider>;

/** Where a module endpoint is written, for messages: the pool file and the endpoint's field path. */
export interface ModuleEndpointSource {
  /** The pool file. */
  file: string;
  /** e.g. `models[2].endpoint`. */
  field: string;
}

/** The module endpoint's fields this file reads; `path` is already resolved against the pool's folder. */
export interface ModuleEndpointRef {
  path: string;
  export?: string | undefined;
  options?: Record<string, unknown> | undefined;
  structuredOutput?: boolean | undefined;
}

const UsageSchema = z.object({ promptTokens: z.number().int().nonnegative().optional(), completionTokens: z.number().int().nonnegative().optional() });

const ReplySchema = z.object({
  text: z.string(),
  finishReason: z.enum(["stop", "length", "content_filter", "other"]).optional(),
  rawFinishReason: z.string().optional(),
  usage: UsageSchema.optional(),
  latencyMs: z.number().nonnegative().optional(),
  warnings: z.array(z.string()).optional(),
});

function unusable(model: ModelSpec, where: ModuleEndpointSource, code: string, field: string, message: string, cause?: unknown): ProviderConfigError {
  const err = new ProviderConfigError(`the provider module of model "${model.id}" cannot be used`, where.file, [{ code, path: `${where.field}.${field}`, message }]);
  if (cause !== undefined) Object.defineProperty(err, "cause", { value: cause });
  return err;
}

/** Fails now, with the pool file and field named, when the module file does not exist. */
export function checkModuleFile(model: ModelSpec, endpoint: ModuleEndpointRef, where: ModuleEndpointSource): void {
  if (!existsSync(endpoint.path)) throw unusable(model, where, "module_not_found", "path", `no module file at ${endpoint.path}`);
}

const isProvider = (v: unknown): v is CustomProvider => typeof v === "object" && v !== null && typeof (v as { generate?: unknown }).generate === "function";

/** Import the module and return its export, checked to be a provider or a function; node caches the import. */
async function importExport(model: ModelSpec, endpoint: ModuleEndpointRef, where: ModuleEndpointSource): Promise<CustomProvider | ProviderFactory> {
  checkModuleFile(model, endpoint, where);
  let ns: Record<string, unknown>;
  try {
    ns = (await import(pathToFileURL(endpoint.path).href)) as Record<string, unknown>;
  } catch (err) {
    throw unusable(model, where, "module_import_failed", "path", `importing ${endpoint.path} failed: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const name = endpoint.export ?? "default";
  const field = endpoint.export === undefined ? "path" : "export";
  const value = ns[name];
  if (value === undefined) throw unusable(model, where, "module_no_export", field, `${endpoint.path} has no export "${name}" (it exports ${Object.keys(ns).map((k) => `"${k}"`).join(", ") || "nothing"})`);
  if (typeof value === "function" || isProvider(value)) return value as CustomProvider | ProviderFactory;
  throw unusable(model, where, "module_not_provider", field, `the export "${name}" of ${endpoint.path} is not a provider: expected an object with a generate(request) method, or a function returning one`);
}

/** Import a provider module and check its export, so a pool's bad module fails before any call. */
export async function checkProviderModule(model: ModelSpec, endpoint: ModuleEndpointRef, where: ModuleEndpointSource): Promise<void> {
  await importExport(model, endpoint, where);
}

async function makeProvider(model: ModelSpec, endpoint: ModuleEndpointRef, where: ModuleEndpointSource): Promise<CustomProvider> {
  const value = await importExport(model, endpoint, where);
  if (typeof value !== "function") return value;
  const name = endpoint.export ?? "default";
  let made: unknown;
  try {
    made = await (value as ProviderFactory)({ model, options: endpoint.options ?? {} });
  } catch (err) {
    throw unusable(model, where, "module_factory_failed", "options", `the export "${name}" of ${endpoint.path} failed to make a provider: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (!isProvider(made)) throw unusable(model, where, "module_not_provider", endpoint.export === undefined ? "path" : "export", `the export "${name}" of ${endpoint.path} returned something that is not a provider (an object with a generate(request) method)`);
  return made;
}

/** The reply checked and completed; a reply of the wrong shape is a failed call, never an answer. */
function completeReply(model: ModelSpec, reply: unknown, elapsedMs: number): CallResult {
  const parsed = ReplySchema.safeParse(reply);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? issue.path.join(".") : "the reply";
    throw new ProviderCallError(`model "${model.id}": the provider module's reply is malformed at ${at}: ${issue.message} (expected { text: string, ... })`, { isRetryable: false, code: "module_bad_reply" });
  }
  const r = parsed.data;
  return {
    text: r.text,
    finishReason: r.finishReason ?? "stop",
    ...(r.rawFinishReason !== undefined ? { rawFinishReason: r.rawFinishReason } : {}),
    usage: { promptTokens: r.usage?.promptTokens, completionTokens: r.usage?.completionTokens },
    latencyMs: r.latencyMs ?? elapsedMs,
    warnings: r.warnings ?? [],
  };
}

/**
 * The provider of a `module` endpoint for one model. The module is imported and its provider made
 * on the first call; a module that cannot be used throws a {@link ProviderConfigError} (exit 2).
 * Without `structuredOutput` the request's `responseFormat` is not passed on.
 */
export function moduleProvider(model: ModelSpec, endpoint: ModuleEndpointRef, where: ModuleEndpointSource): Provider {
  checkModuleFile(model, endpoint, where);
  let made: Promise<CustomProvider> | undefined;
  return {
    specificationVersion: "v1",
    provider: "module",
    async generate(request: CallRequest): Promise<CallResult> {
      const inner = await (made ??= makeProvider(model, endpoint, where));
      const { responseFormat, ...rest } = request;
      const sent = endpoint.structuredOutput && responseFormat ? request : rest;
      const start = performance.now();
      let reply: unknown;
      try {
        reply = await inner.generate(sent);
      } catch (err) {
        if (TtsGraphError.isInstance(err)) throw err;
        throw new ProviderCallError(`model "${model.id}" (${inner.provider ?? "module"}): ${err instanceof Error ? err.message : String(err)}`, { isRetryable: false, code: "module_call_failed", cause: err });
      }
      return completeReply(model, reply, performance.now() - start);
    },
    async close() {
      if (made) await (await made.catch(() => undefined))?.close?.();
    },
  };
}
