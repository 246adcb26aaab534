/** Shared pieces of the tests that run the embedded GGUF provider on the tiny models. */
import { loadNodeLlamaCpp } from "../../src/models/gguf.js";
import type { CallMetadata, CallRequest } from "../../src/models/provider.js";

/**
 * Why the embedded provider cannot run here, or null when it can. The reason is printed, so a
 * skipped suite says why it was skipped. With TTS_GRAPH_GGUF_REQUIRED set (CI, which installs the
 * engine with `npm run gguf:install`) a missing engine is an error instead.
 */
export async function llamaMissing(what: string): Promise<string | null> {
  const missing = await loadNodeLlamaCpp().then(
    () => null,
    (err: Error) => err.message,
  );
  if (missing && process.env.TTS_GRAPH_GGUF_REQUIRED) throw new Error(`${what} needs the embedded GGUF engine (TTS_GRAPH_GGUF_REQUIRED is set): ${missing}`);
  if (missing) console.warn(`skipping ${what}: ${missing}`);
  return missing;
}

/** One user message to `model` as the output node's assistant, as the executor sends it to a provider. */
export function promptRequest(model: CallRequest["model"], content: string, sampling: CallRequest["sampling"], options: { style?: CallMetadata["style"]; taskId?: string; sampleIndex?: number } = {}): CallRequest {
  return {
    model,
    messages: [{ role: "user", content }],
    metadata: { role: "assistant", isOutput: true, style: options.style ?? "short", taskId: options.taskId ?? "t", item: { id: "i", question: content }, references: [] },
    sampling,
    sampleIndex: options.sampleIndex ?? 0,
  };
}

/** A request for one arithmetic prompt, as the executor sends it to a tiny model (seed 7, 8 tokens, temperature 1 unless given). */
export function arithRequest(content: string, sampling: Partial<CallRequest["sampling"]> = {}, sampleIndex = 0): CallRequest {
  const model = { id: "arith-small", family: "tiny-arith", params: 1, layers: 1, hidden: 1, endpoint: { kind: "gguf" as const, path: "x.gguf" } };
  return promptRequest(model, content, { temperature: 1, maxTokens: 8, seed: 7, ...sampling }, { style: "number", taskId: "arith", sampleIndex });
}
