/**
 * Token constants for a-priori cost: A, the mean tokens of a node's question prompt, and B, the
 * mean tokens of one output. The style defaults below come from the paper where it has them
 * (MATH 202/275, MMLU 213/215, HumanEval 180/115) and are rough figures for the other styles:
 * GSM8K-like word problems have short questions and a few hundred tokens of working (150/200);
 * yes/no and short answers have short questions and brief reasoning (100/150 and 100/120). A can be
 * measured from a task's own questions with {@link measureTaskTokens}; B needs real outputs.
 */
import type { TaskTokens } from "../cost/tokens.js";
import { standardPrompt } from "./prompts.js";
import type { ChatMessage, Task, TaskItem, TaskStyle } from "./types.js";

export const STYLE_TOKENS: Readonly<Record<TaskStyle, TaskTokens>> = Object.freeze({
  math: { promptTokens: 202, outputTokens: 275, source: "default" },
  number: { promptTokens: 150, outputTokens: 200, source: "default" },
  choice: { promptTokens: 213, outputTokens: 215, source: "default" },
  code: { promptTokens: 180, outputTokens: 115, source: "default" },
  yesno: { promptTokens: 100, outputTokens: 150, source: "default" },
  short: { promptTokens: 100, outputTokens: 120, source: "default" },
});

/**
 * A tokenizer-free estimate: one token per 4 characters (rounded up), the usual rule of thumb for
 * English text and code under BPE vocabularies, and 4 tokens per chat message for the role markers
 * of a chat template. The executor's usage estimate uses the same rule.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function estimateMessageTokens(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) n += 4 + estimateTokens(m.content);
  return n;
}

/** Mean estimated tokens of the prompt a lone assistant node gets for these items. */
export function measurePromptTokens(items: readonly TaskItem[], style: TaskStyle, render?: Task["render"]): number {
  if (items.length === 0) return STYLE_TOKENS[style].promptTokens;
  let total = 0;
  for (const item of items) {
    const input = { role: "assistant" as const, isOutput: false, item, references: [] };
    total += estimateMessageTokens(render ? render(input) : standardPrompt(style, input));
  }
  return total / items.length;
}

/**
 * Token constants with A measured on a task's items (by default the first 200 of the search
 * split) and B from `outputTokens` or the style default.
 */
export function measureTaskTokens(
  task: Pick<Task, "style" | "items" | "render" | "tokens">,
  options: { split?: "search" | "validation" | "test"; limit?: number; outputTokens?: number } = {},
): TaskTokens {
  const items = task.items(options.split ?? "search").slice(0, options.limit ?? 200);
  return {
    promptTokens: Math.round(measurePromptTokens(items, task.style, task.render?.bind(task))),
    outputTokens: options.outputTokens ?? task.tokens.outputTokens,
    unitFlops: task.tokens.unitFlops,
    source: "measured",
  };
}
