/**
 * A provider whose replies a test writes: a list consumed in order, or a function of the request.
 * It records every call, so a test can check what reached the model.
 */
import { ProviderCallError } from "../models/errors.js";
import type { CallRequest, CallResult, Provider } from "../models/provider.js";

/** One scripted reply: the text, a fuller result, or an error (the call fails with it). */
export type ScriptedReply = string | (Pick<CallResult, "text"> & Partial<CallResult>) | Error;

/** The replies in order, or a function giving the reply to each call (`index` counts calls from 0). */
export type Script = readonly ScriptedReply[] | ((request: CallRequest, index: number) => ScriptedReply | Promise<ScriptedReply>);

export interface ScriptedProvider extends Provider {
  /** Every request received, in order. */
  readonly calls: CallRequest[];
}

/**
 * A provider that answers from a script. A string reply reports token counts of one per
 * whitespace-separated word and a latency of `latencyMs` (default 1); an `Error` reply fails the call
 * as a model call fails (a non-retryable {@link ProviderCallError}, or the error itself when it is
 * one); a list that runs out fails every further call.
 *
 * @example
 * ```ts
 * import { createExecContext, createTask, evaluate, parseGraph, type ModelSpec } from "tts-graph";
 * import { scriptedProvider } from "tts-graph/testing";
 *
 * const model = scriptedProvider((request) => (request.messages.at(-1)!.content.includes("2+2") ? "\\boxed{4}" : "\\boxed{0}"));
 * // The endpoint is never called: the context's providers come from the script.
 * const spec: ModelSpec = { id: "m", family: "test", params: 1e9, layers: 16, hidden: 2048, endpoint: { kind: "module", path: "scripted.mjs" } };
 * const task = createTask({ id: "sums", style: "math", load: () => [{ id: "q1", question: "What is 2+2?", answer: "4" }] }, { splits: { search: 0, validation: 0 } });
 * const ctx = createExecContext({ task, models: [spec], providers: () => model });
 * const graph = parseGraph({ version: 1, nodes: [{ id: "a", role: "assistant", model: "m" }], edges: [], output: "a" });
 * const result = await evaluate(graph, task.items("test"), ctx);
 * console.log(result.accuracy.rate, model.calls.length); // 1 1
 * ```
 */
export function scriptedProvider(script: Script, options: { name?: string; latencyMs?: number } = {}): ScriptedProvider {
  const calls: CallRequest[] = [];
  const next = async (request: CallRequest, index: number): Promise<ScriptedReply> => {
    if (typeof script === "function") return script(request, index);
    const reply = script[index];
    return reply ?? new ProviderCallError(`the script has ${script.length} replies and this is call ${index + 1}`, { isRetryable: false, code: "script_exhausted" });
  };
  return {
    specificationVersion: "v1",
    provider: options.name ?? "scripted",
    calls,
    async generate(request: CallRequest): Promise<CallResult> {
      const index = calls.push(request) - 1;
      const reply = await next(request, index);
      if (reply instanceof ProviderCallError) throw reply;
      if (reply instanceof Error) throw new ProviderCallError(reply.message, { isRetryable: false, code: "scripted_error", cause: reply });
      const r = typeof reply === "string" ? { text: reply } : reply;
      const words = (t: string) => (t.trim() === "" ? 0 : t.trim().split(/\s+/).length);
      return {
        finishReason: "stop",
        usage: { promptTokens: request.messages.reduce((s, m) => s + words(m.content), 0), completionTokens: words(r.text) },
        latencyMs: options.latencyMs ?? 1,
        warnings: [],
        ...r,
      };
    },
  };
}
