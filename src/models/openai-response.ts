/**
 * The chat-completions response as we accept it, and its mapping to our call result. A response of
 * the wrong shape is rejected with a message naming the field, never read as an (empty or wrong)
 * answer.
 */
import { z } from "zod";
import { formatPath } from "../util/files.js";
import type { FinishReason, Usage } from "./provider.js";

const UsageSchema = z
  .object({
    prompt_tokens: z.number().int().nonnegative().nullish(),
    completion_tokens: z.number().int().nonnegative().nullish(),
  })
  .loose();

export const ChatCompletionSchema = z
  .object({
    choices: z
      .array(
        z
          .object({
            message: z
              .object({
                content: z.string({ error: (i) => (i.input === null || i.input === undefined ? "the message has no content" : "the message content is not a string") }),
                /** Reasoning split off by the server's reasoning parser (vLLM, SGLang, DeepSeek: `reasoning_content`; some: `reasoning`). */
                reasoning_content: z.string().nullish(),
                reasoning: z.string().nullish(),
              })
              .loose(),
            finish_reason: z.string().nullish(),
          })
          .loose(),
        { error: "the response has no `choices` list" },
      )
      .min(1, "the response has an empty `choices` list"),
    usage: UsageSchema.nullish(),
  })
  .loose();

export type ChatCompletion = z.infer<typeof ChatCompletionSchema>;

/** One chunk of a streamed chat completion; the last may carry only `usage` (and no choice). */
export const ChatChunkSchema = z
  .object({
    choices: z.array(z.object({ delta: z.object({ content: z.string().nullish() }).loose().nullish(), finish_reason: z.string().nullish() }).loose(), { error: "the chunk has no `choices` list" }),
    usage: UsageSchema.nullish(),
  })
  .loose();

/** Parse a response body; returns a readable reason instead of throwing. */
export function parseChatCompletion(data: unknown): { ok: true; value: ChatCompletion } | { ok: false; reason: string } {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return { ok: false, reason: "the response is not a JSON object" };
  const r = ChatCompletionSchema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  const reasons = r.error.issues.map((i) => (i.path.length ? `${formatPath(i.path as PropertyKey[])}: ${i.message}` : i.message));
  return { ok: false, reason: reasons.join("; ") };
}

/** The server's finish reason, unified. Servers differ (`eos` from some, null from others). */
export function mapFinishReason(raw: string | null | undefined): FinishReason {
  switch (raw) {
    case "stop":
    case "eos":
    case "end_turn":
      return "stop";
    case "length":
    case "max_tokens":
      return "length";
    case "content_filter":
      return "content_filter";
    default:
      return "other";
  }
}

/** The server's usage, normalised: a count it did not send stays undefined, never 0. */
export function convertUsage(raw: ChatCompletion["usage"]): Usage {
  if (raw === undefined || raw === null) return { promptTokens: undefined, completionTokens: undefined };
  return { promptTokens: raw.prompt_tokens ?? undefined, completionTokens: raw.completion_tokens ?? undefined, raw };
}
