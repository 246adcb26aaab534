/**
 * What an OpenAI-compatible endpoint supports, found by asking it: whether it answers, whether it
 * reports token usage (plain and streaming), whether it honours `n > 1`, and how long a short call
 * takes. Servers differ on all of these (usage missing means FLOPs are estimated), so a user checks a
 * pool before a long search. In-process endpoints (simulator, GGUF) are reported as local.
 */
import type OpenAI from "openai";
import { parseChatCompletion } from "./openai-response.js";
import { openAIClient, type OpenAIProviderOptions } from "./openai.js";
import { tokenLimit } from "./reasoning.js";
import type { Endpoint, ModelSpec } from "./spec.js";

export interface ProbeResult {
  model: string;
  kind: Endpoint["kind"];
  /** True for endpoints run in this process (simulator, GGUF); nothing was probed. */
  local: boolean;
  baseURL?: string | undefined;
  /** The server answered a short chat call. */
  reachable: boolean;
  /** The served model name appears in `GET /models` (undefined when the listing failed). */
  modelListed?: boolean | undefined;
  /** A plain call reported prompt and completion tokens. */
  usage?: boolean | undefined;
  /** A streamed call with `stream_options.include_usage` ended with a usage chunk. */
  streamingUsage?: boolean | undefined;
  /** A call with `n: 2` returned two choices. */
  nSupported?: boolean | undefined;
  /** Wall-clock latency of the short call. */
  latencyMs?: number | undefined;
  /** Why the endpoint is unreachable, when it is. */
  error?: string | undefined;
  /** Other findings, e.g. why a feature check failed. */
  notes: string[];
}

export interface ProbeOptions extends OpenAIProviderOptions {
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number | undefined;
}

const PROBE_MESSAGES = [{ role: "user" as const, content: "Reply with the single word OK." }];

function why(err: unknown): string {
  const e = err as { status?: number; message?: string; cause?: { message?: string } };
  const cause = e.cause?.message ? ` (${e.cause.message})` : "";
  return `${e.message ?? String(err)}${cause}`;
}

async function checkStreamingUsage(client: OpenAI, model: string, reasoning: ModelSpec["reasoning"]): Promise<{ ok: boolean; note?: string }> {
  try {
    const stream = await client.chat.completions.create({ model, messages: PROBE_MESSAGES, ...tokenLimit(reasoning, 8), temperature: 0, stream: true, stream_options: { include_usage: true } });
    let usage = false;
    for await (const chunk of stream) {
      if (chunk.usage && typeof chunk.usage.prompt_tokens === "number" && typeof chunk.usage.completion_tokens === "number") usage = true;
    }
    return usage ? { ok: true } : { ok: false, note: "the stream carried no usage chunk" };
  } catch (err) {
    return { ok: false, note: `streaming failed: ${why(err)}` };
  }
}

async function checkN(client: OpenAI, model: string, reasoning: ModelSpec["reasoning"]): Promise<{ ok: boolean; note?: string }> {
  try {
    const r = await client.chat.completions.create({ model, messages: PROBE_MESSAGES, ...tokenLimit(reasoning, 8), temperature: 0.7, n: 2 });
    const count = Array.isArray(r.choices) ? r.choices.length : 0;
    return count === 2 ? { ok: true } : { ok: false, note: `n: 2 returned ${count} choice${count === 1 ? "" : "s"}` };
  } catch (err) {
    return { ok: false, note: `n: 2 was refused: ${why(err)}` };
  }
}

/** Probe one pool model's endpoint. Never throws: problems are reported in the result. */
export async function probeModel(model: ModelSpec, options: ProbeOptions = {}): Promise<ProbeResult> {
  const e = model.endpoint;
  if (e.kind !== "openai") return { model: model.id, kind: e.kind, local: true, reachable: true, notes: [] };
  const result: ProbeResult = { model: model.id, kind: e.kind, local: false, baseURL: e.baseURL, reachable: false, notes: [] };
  let client: OpenAI;
  try {
    client = openAIClient(model.id, { ...e, timeoutMs: options.timeoutMs ?? 30_000 }, options);
  } catch (err) {
    result.error = why(err);
    return result;
  }
  try {
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    result.modelListed = ids.includes(e.model);
    if (!result.modelListed) result.notes.push(`GET /models does not list "${e.model}" (it lists ${ids.slice(0, 5).join(", ") || "nothing"}${ids.length > 5 ? ", ..." : ""})`);
  } catch (err) {
    result.notes.push(`GET /models failed: ${why(err)}`);
  }
  const started = performance.now();
  try {
    const raw = await client.chat.completions.create({ model: e.model, messages: PROBE_MESSAGES, ...tokenLimit(model.reasoning, 8), temperature: 0 });
    result.latencyMs = performance.now() - started;
    const parsed = parseChatCompletion(raw);
    if (!parsed.ok) {
      result.error = `the server answered, but not with a usable chat completion: ${parsed.reason}`;
      return result;
    }
    result.reachable = true;
    const u = parsed.value.usage;
    result.usage = typeof u?.prompt_tokens === "number" && typeof u.completion_tokens === "number";
    if (!result.usage) result.notes.push("no usage in responses: token counts (and FLOPs) will be estimated");
  } catch (err) {
    result.error = why(err);
    return result;
  }
  const stream = await checkStreamingUsage(client, e.model, model.reasoning);
  result.streamingUsage = stream.ok;
  if (stream.note) result.notes.push(stream.note);
  const n = await checkN(client, e.model, model.reasoning);
  result.nSupported = n.ok;
  if (n.note) result.notes.push(n.note);
  return result;
}

/** Probe every model of a pool, one endpoint after another. */
export async function probePool(models: readonly ModelSpec[], options: ProbeOptions = {}): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  for (const m of models) out.push(await probeModel(m, options));
  return out;
}
