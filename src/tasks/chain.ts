/**
 * `chain`: a generated multi-step arithmetic task for the project's tiny `chain-*` GGUF models
 * (examples/models). An item is a chain of three to five numbers added and subtracted left to
 * right (the first of two digits, the others of one or two, never going below zero); the models
 * write every running total and the last one is the answer:
 *
 *   assistant alone          "57+8-23+41="            -> "65,42,83"
 *   assistant with refs      "57+8-23+41~83,93="      -> "65,42,83"   (refine: improve on other answers)
 *   fuser                    "57+8-23+41#83,93,83="   -> "83"         (fuse candidate answers into one)
 *
 * A slip at one step carries through every later total, and sampled outputs slip at different
 * steps, so several samples voted or fused are right more often than one: the world where
 * test-time scaling pays. Items are drawn as scripts/train-tiny.py draws its training chains, but
 * only from chains whose FNV-1a hash is 0 mod 4, which training never sees (as for `arith`).
 */
import { Rng } from "../util/rng.js";
import { ARITH_MAX_FUSE, ARITH_MAX_REFINE, arithPrompt, isHeldOut, referenceCandidates } from "./arith.js";
import { createTask, type DatasetTask, type TaskOptions } from "./task.js";
import type { ChatMessage, Grade, PromptInput, TaskItem } from "./types.js";

export const CHAIN_TASK_ID = "chain";
/** References a refining assistant and candidates a fuser were trained on (beyond: the first ones). */
export const CHAIN_MAX_REFINE = ARITH_MAX_REFINE;
export const CHAIN_MAX_FUSE = ARITH_MAX_FUSE;
const OPERANDS = [3, 4, 4, 5] as const;
const DEFAULT_ITEMS = 1000;

export interface ChainTaskOptions extends Pick<TaskOptions, "seed" | "splits"> {
  /** Items in all splits together (default 1000: 200 search, 200 validation, 600 test). */
  items?: number | undefined;
}

/** One chain and its running totals, from the training distribution. */
export function drawChain(rng: Rng): { question: string; totals: number[] } {
  const n = rng.pick(OPERANDS);
  let total = 10 + rng.int(90);
  let question = String(total);
  const totals: number[] = [];
  for (let i = 1; i < n; i++) {
    const b = rng.next() < 0.3 ? 1 + rng.int(9) : 10 + rng.int(90);
    let op = rng.pick(["+", "-"] as const);
    if (op === "-" && b > total) op = "+";
    total = op === "+" ? total + b : total - b;
    question += op + String(b);
    totals.push(total);
  }
  return { question, totals };
}

/** `n` distinct held-out chains, in a seeded order; `meta.steps` holds the running totals as written. */
export function chainItems(n: number, seed: number): TaskItem[] {
  const rng = new Rng(seed, CHAIN_TASK_ID, "items");
  const seen = new Set<string>();
  const items: TaskItem[] = [];
  for (let tries = 0; items.length < n; tries++) {
    if (tries > n * 200) throw new RangeError(`cannot draw ${n} distinct chain questions`);
    const { question, totals } = drawChain(rng);
    if (seen.has(question) || !isHeldOut(question)) continue;
    seen.add(question);
    items.push({ id: `chain-${String(items.length).padStart(4, "0")}`, question, answer: String(totals.at(-1)), meta: { steps: totals.join(",") } });
  }
  return items;
}

/** The prompt text of a role: the chain alone, refined with references, or fused from candidates (the formats of `arith`). */
export const chainPrompt: typeof arithPrompt = arithPrompt;

export function renderChain(input: PromptInput): ChatMessage[] {
  const role = input.role === "fuser" ? "fuse" : "refine";
  return [{ role: "user", content: chainPrompt(input.item.question, role, referenceCandidates(input.references)) }];
}

/** The answer of an output: its last integer (the final running total; a fuser writes only that), or null. */
export function extractChain(text: string): string | null {
  const all = text.match(/\d+/g);
  if (!all) return null;
  return all[all.length - 1]!.replace(/^0+(?=\d)/, "");
}

export function gradeChain(item: TaskItem, output: string): Grade {
  const extracted = extractChain(output);
  return { correct: extracted !== null && extracted === item.answer, extracted };
}

/**
 * Token constants measured from the format: one token per character, BOS before the prompt, and an
 * assistant's output is every running total, separated by commas, plus the end token.
 */
export function chainTokens(items: readonly TaskItem[]): { promptTokens: number; outputTokens: number; source: string } {
  const mean = (f: (i: TaskItem) => number) => items.reduce((s, i) => s + f(i), 0) / items.length;
  return {
    promptTokens: Number(mean((i) => 1 + chainPrompt(i.question, "answer").length).toFixed(3)),
    outputTokens: Number(mean((i) => String(i.meta?.["steps"] ?? i.answer).length + 1).toFixed(3)),
    source: "measured",
  };
}

/** The `chain` task. */
export function createChainTask(options: ChainTaskOptions = {}): DatasetTask {
  const seed = options.seed ?? 0;
  const items = chainItems(options.items ?? DEFAULT_ITEMS, seed);
  const base = createTask(
    {
      id: CHAIN_TASK_ID,
      style: "number",
      description: "Generated multi-step arithmetic (chains of three to five numbers, every running total written out) in the compact formats of the tiny chain GGUF models (examples/models)",
      tokens: chainTokens(items),
      load: () => items,
    },
    { seed, splits: options.splits },
  );
  return { ...base, render: renderChain, extract: (text: string) => extractChain(text), grade: gradeChain };
}
