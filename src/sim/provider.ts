/**
 * The simulator as a {@link Provider}. It answers from the structured fields of a call (model, role,
 * output flag, item id, each reference's model, answer and text length, sample index), never from the
 * prompt wording and never from a gold answer: the world knows its own items. Its texts carry the
 * answer in the task's format, with exactly the token counts it reports, so the executor, the ledger
 * and the graders treat it like any server; only the latency is simulated instead of waited for.
 */
import type { CallMetadata, CallRequest, CallResult, Provider } from "../models/provider.js";
import { ProviderCallError } from "../models/errors.js";
import { hashString } from "../util/rng.js";
import { countTokens, renderOutput } from "./answers.js";
import { callIdentity, callLatency, simulateCall, ROLE_ASSISTANT, ROLE_FUSER, type CallOutcome, type RefArrays } from "./behaviour.js";
import { mix, type SimItem, type SimWorld } from "./world.js";

/** The simulated model a pool model stands for: its endpoint's `profile`, else its id. */
export function simModelId(model: CallRequest["model"]): string {
  return model.endpoint.kind === "sim" ? (model.endpoint.profile ?? model.id) : model.id;
}

/** The text of an answer: a function of (item, model, answer, length) only, so equal answers read the same. */
export function outputText(world: SimWorld, item: SimItem, modelHash: number, code: number, tokens: number): string {
  const key = mix(mix(mix(item.key ^ 0x74657874, modelHash), code >>> 0), tokens);
  return renderOutput(world.profile.task.style, world.answerString(item, code), tokens, key);
}

/** Keep the first `max` whitespace tokens of a text (a server stopping at max_tokens). */
function truncateTokens(text: string, max: number): string {
  const re = /\S+/g;
  let end = 0;
  for (let i = 0; i < max; i++) {
    const m = re.exec(text);
    if (!m) break;
    end = m.index + m[0].length;
  }
  return text.slice(0, end);
}

/** Words per streamed piece: about what a server sends per chunk. */
const STREAM_WORDS = 4;

/**
 * Tell a text to `onText` a few words at a time, each piece at the simulated time its last token
 * would be decoded, yielding to the event loop between pieces as a server's chunks arrive apart.
 */
async function streamText(text: string, onText: (delta: string, atMs: number) => void, timeAt: (tokens: number) => number, tokens: number): Promise<void> {
  const words = text.match(/\s*\S+\s*|\s+/g) ?? [];
  let told = 0;
  for (let k = 0; k < words.length; k += STREAM_WORDS) {
    const piece = words.slice(k, k + STREAM_WORDS).join("");
    told += piece.length;
    onText(piece, timeAt(Math.max(1, Math.round((tokens * told) / text.length))));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

class SimProvider implements Provider {
  readonly specificationVersion = "v1" as const;
  readonly provider = "sim";
  readonly streams = true;
  private readonly out: CallOutcome = { code: 0, promptTokens: 0, completionTokens: 0 };

  constructor(readonly world: SimWorld) {}

  async generate(req: CallRequest): Promise<CallResult> {
    const world = this.world;
    if (req.signal?.aborted) throw new ProviderCallError("the call was aborted", { isRetryable: false, code: "aborted" });
    const simId = simModelId(req.model);
    const model = world.modelIndex(simId);
    if (model === undefined) {
      throw new ProviderCallError(`model "${simId}" is not in the simulated task ${world.profile.name} (it has ${world.models.map((m) => m.id).join(", ")})`, {
        isRetryable: false,
        code: "sim_unknown_model",
      });
    }
    const meta = graphCall(req);
    const index = world.parseItemId(meta.item.id);
    if (index === undefined) {
      throw new ProviderCallError(`item "${meta.item.id}" is not an item of the simulated task ${world.profile.name}; a simulated model only answers its own task's questions`, {
        isRetryable: false,
        code: "sim_unknown_item",
      });
    }
    const item = world.item(index);
    const n = meta.references.length;
    const refs: RefArrays = {
      model: meta.references.map((r) => hashString(r.model)),
      code: meta.references.map((r) => world.codeOf(item, r.answer)),
      tokens: meta.references.map((r) => countTokens(r.text)),
    };
    const role = meta.role === "fuser" ? ROLE_FUSER : ROLE_ASSISTANT;
    const identity = callIdentity(world, item, model, role, n, refs);
    const out = simulateCall(world, item, model, role, n, refs, identity, req.sampleIndex, this.out);
    let text = outputText(world, item, hashString(req.model.id), out.code, out.completionTokens);
    let completionTokens = out.completionTokens;
    let finishReason: CallResult["finishReason"] = "stop";
    if (completionTokens > req.sampling.maxTokens) {
      text = truncateTokens(text, req.sampling.maxTokens);
      completionTokens = req.sampling.maxTokens;
      finishReason = "length";
    }
    const promptTokens = out.promptTokens;
    if (req.onText) await streamText(text, req.onText, (t) => callLatency(world, model, promptTokens, t), completionTokens);
    return {
      text,
      finishReason,
      rawFinishReason: finishReason,
      usage: { promptTokens, completionTokens },
      latencyMs: callLatency(world, model, promptTokens, completionTokens),
      warnings: [],
    };
  }
}

/** The graph node a call runs: a simulated model answers nothing else, since it works from the node's structure, not from the text. */
function graphCall(req: CallRequest): CallMetadata {
  if (req.metadata) return req.metadata;
  throw new ProviderCallError(`model "${req.model.id}" is simulated and only answers the nodes of a graph on a simulated task (the call has no metadata)`, {
    isRetryable: false,
    code: "sim_not_graph_call",
  });
}

/** A provider backed by a simulated world. */
export function simProvider(world: SimWorld): Provider {
  return new SimProvider(world);
}

/**
 * A provider for simulated models that answers in the world of each call's task (`taskId`), so one
 * resolver serves whatever simulated task the executor runs. `worldFor` throws a user error for a
 * task that is not simulated.
 */
export function simRoutingProvider(worldFor: (taskId: string) => SimWorld): Provider {
  const providers = new Map<string, Provider>();
  return {
    specificationVersion: "v1",
    provider: "sim",
    streams: true,
    async generate(req: CallRequest): Promise<CallResult> {
      const { taskId } = graphCall(req);
      let p = providers.get(taskId);
      if (!p) {
        let world: SimWorld;
        try {
          world = worldFor(taskId);
        } catch (err) {
          throw new ProviderCallError(`model "${req.model.id}" is simulated and cannot answer task "${taskId}": ${(err as Error).message}`, {
            isRetryable: false,
            code: "sim_task_mismatch",
            cause: err,
          });
        }
        providers.set(taskId, (p = simProvider(world)));
      }
      return p.generate(req);
    },
  };
}
