/**
 * Token estimates for calls whose server reported no usage. No tokenizer of the served model is
 * available in general, so the estimate is the common rule of thumb for English text and code with
 * BPE vocabularies: one token per 4 characters (rounded up), plus 4 tokens per chat message for the
 * role markers a chat template adds. Counts made this way are always marked `estimated`.
 */
import type { ChatMessage } from "../models/provider.js";

export const CHARS_PER_TOKEN = 4;
export const TOKENS_PER_MESSAGE = 4;

/** Estimated tokens of a piece of generated text. */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Estimated prompt tokens of rendered chat messages. */
export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) n += TOKENS_PER_MESSAGE + estimateTextTokens(m.content);
  return n;
}
