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
import type { Rng } from "../util/rng.js";
import { ARITH_MAX_FUSE, ARITH_MAX_REFINE, compactTask, gradeWith, heldOutItems } from "./arith.js";
import type { DatasetTask, TaskOptions } from "./task.js";
import type { TaskItem } from "./types.js";

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
  return heldOutItems(n, seed, CHAIN_TASK_ID, (rng) => {
    const { question, totals } = drawChain(rng);
    return { question, answer: String(totals.at(-1)), meta: { steps: totals.join(",") } };
  });
}

/** The answer of an output: its last integer (the final running total; a fuser writes only that), or null. */
export function extractChain(text: string): string | null {
  const all = text.match(/\d+/g);
  if (!all) return null;
  return all[all.length - 1]!.replace(/^0+(?=\d)/, "");
}

export const gradeChain = gradeWith(extractChain);

/** The `chain` task, in the formats of `arith`; an assistant's output is every running total. */
export function createChainTask(options: ChainTaskOptions = {}): DatasetTask {
  return compactTask({
    id: CHAIN_TASK_ID,
    description: "Generated multi-step arithmetic (chains of three to five numbers, every running total written out) in the compact formats of the tiny chain GGUF models (examples/models)",
    items: chainItems(options.items ?? DEFAULT_ITEMS, options.seed ?? 0),
    outputText: (i) => String(i.meta?.["steps"] ?? i.answer),
    extract: extractChain,
    options,
  });
}
