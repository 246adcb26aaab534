/**
 * The paper's model and task table, so its budgets (18 / 42 / 80 on MATH) are reproducible.
 * Models (M, L, D) and task constants (A, B, unit FLOPs) as in the official code.
 */
import type { FlopsSpec } from "./flops.js";
import type { TaskTokens } from "./tokens.js";

/** LLaMA models as the paper counts them, plus the Gemma models of its baseline pool. */
export const PAPER_MODELS: readonly FlopsSpec[] = Object.freeze([
  { id: "llama-1b", family: "llama", params: 1e9, layers: 16, hidden: 2048 },
  { id: "llama-3b", family: "llama", params: 3e9, layers: 28, hidden: 3072 },
  { id: "llama-8b", family: "llama", params: 8e9, layers: 32, hidden: 4096 },
  { id: "llama-70b", family: "llama", params: 70e9, layers: 80, hidden: 8192 },
  // Gemma specs from the published model cards (Gemma 3 1B, Gemma 2B, Gemma 7B).
  { id: "gemma-1b", family: "gemma", params: 1e9, layers: 26, hidden: 1152 },
  { id: "gemma-2b", family: "gemma", params: 2.5e9, layers: 18, hidden: 2048 },
  { id: "gemma-7b", family: "gemma", params: 8.5e9, layers: 28, hidden: 3072 },
]);

/** Task constants: mean prompt tokens A, mean output tokens B, and FLOPs of one budget unit. */
export const PAPER_TASKS: Readonly<Record<string, TaskTokens>> = Object.freeze({
  math: { promptTokens: 202, outputTokens: 275, unitFlops: 9.71e11, source: "paper" },
  mmlu: { promptTokens: 213, outputTokens: 215, unitFlops: 8.68e11, source: "paper" },
  humaneval: { promptTokens: 180, outputTokens: 115, unitFlops: 5.957e11, source: "paper" },
});

/** The paper's reference graph size for a budget: b LLaMA-1B nodes plus one 3B node, fully connected forward. */
export function paperReferenceModels(b: number): string[] {
  return [...Array.from({ length: b }, () => "llama-1b"), "llama-3b"];
}
