/**
 * Reasoning models (DeepSeek-R1, Qwen3, QwQ, gpt-oss, o-series): their chain of thought is either
 * inside the text as `<think>...</think>` blocks, or in a separate `reasoning_content` (or
 * `reasoning`) field of the message. Either way it is split off the answer before the task reads it
 * and before successor nodes see it, but its tokens were generated and count in tokens and FLOPs.
 * A pool model says how to call it and where its reasoning is with `reasoning`.
 */
import type { CallResult } from "./provider.js";
import type { ReasoningOptions } from "./reasoning-schema.js";

export { ReasoningSchema, type ReasoningOptions } from "./reasoning-schema.js";


/** The request field limiting a call's generated tokens, as the model asks for it. */
export function tokenLimit(options: Pick<ReasoningOptions, "tokenLimitParam"> | undefined, maxTokens: number): { max_tokens: number } | { max_completion_tokens: number } {
  return options?.tokenLimitParam === "max_completion_tokens" ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens };
}

const DEFAULT_TAGS: readonly [string, string] = ["<think>", "</think>"];

/** The answer and the reasoning of a text. */
export interface SplitText {
  answer: string;
  reasoning: string;
  /** A block was opened and never closed: generation stopped while reasoning. */
  unfinished: boolean;
}

/**
 * Split reasoning blocks off a text. With `lenient` (a model declared as reasoning in tags) a text
 * with a closing tag and no opening one is reasoning up to that tag, and an opening tag never closed
 * makes the rest reasoning. Without it (any other model) only complete blocks are taken, so text
 * that merely mentions a tag is left alone.
 */
export function splitReasoning(text: string, tags: readonly [string, string] = DEFAULT_TAGS, lenient = false): SplitText {
  const [open, close] = tags;
  const parts: string[] = [];
  let rest = text;
  if (lenient) {
    const firstOpen = rest.indexOf(open);
    const firstClose = rest.indexOf(close);
    if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) {
      parts.push(rest.slice(0, firstClose));
      rest = rest.slice(firstClose + close.length);
    }
  }
  let answer = "";
  for (;;) {
    const start = rest.indexOf(open);
    if (start < 0) break;
    const end = rest.indexOf(close, start + open.length);
    if (end < 0) {
      if (!lenient) break;
      answer += rest.slice(0, start);
      parts.push(rest.slice(start + open.length));
      return { answer: answer.trim(), reasoning: joinParts(parts), unfinished: true };
    }
    answer += rest.slice(0, start);
    parts.push(rest.slice(start + open.length, end));
    rest = rest.slice(end + close.length);
  }
  if (parts.length === 0) return { answer: text, reasoning: "", unfinished: false };
  return { answer: (answer + rest).trim(), reasoning: joinParts(parts), unfinished: false };
}

function joinParts(parts: readonly string[]): string {
  return parts
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .join("\n\n");
}

/**
 * A call result with the reasoning split off its text: `text` is the answer alone, `reasoning` what
 * the server's field held followed by the blocks of the text.
 */
export function separateReasoning(result: CallResult, options: ReasoningOptions | undefined): CallResult {
  const split = splitReasoning(result.text, options?.tags ?? DEFAULT_TAGS, options?.format === "think-tags");
  const reasoning = [result.reasoning ?? "", split.reasoning].filter((p) => p !== "").join("\n\n");
  if (reasoning === "" && split.answer === result.text) return result;
  const warnings = split.unfinished ? [...result.warnings, "the reasoning block was never closed (out of tokens?): the answer is empty"] : result.warnings;
  return { ...result, text: split.answer, reasoning, warnings };
}
