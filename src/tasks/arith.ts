/**
 * `arith`: a generated arithmetic task for the project's tiny GGUF models (examples/models). Items
 * are sums and differences of two numbers of one to three digits (both of the same length), drawn
 * exactly as scripts/train-tiny.py draws its training data, but only from questions whose FNV-1a
 * hash is 0 mod 4, which training never sees. Longer numbers are harder, which grades the models.
 *
 * Prompts are the compact character formats the models were trained on, one per role:
 *   assistant alone          "123+456="
 *   assistant with refs      "123+456~578,579="       (refine: improve on other answers)
 *   fuser                    "123+456#578,579,580="   (fuse candidate answers into one)
 * A reference whose answer could not be read shows as `?`. Training covered at most
 * {@link ARITH_MAX_REFINE} references for a refining assistant and {@link ARITH_MAX_FUSE} for a fuser; beyond
 * that only the first ones (in edge order) are shown. The models answer with the digits and stop.
 */
import { Rng } from "../util/rng.js";
import { createTask, type DatasetTask, type TaskOptions } from "./task.js";
import type { ChatMessage, Grade, PromptInput, Reference, TaskItem } from "./types.js";

export const ARITH_TASK_ID = "arith";
export const ARITH_MAX_REFINE = 3;
export const ARITH_MAX_FUSE = 6;
/** Questions with this hash residue are held out of training; the task uses only them. */
const HELD_OUT_MOD = 4;
const DEFAULT_ITEMS = 1000;

export interface ArithTaskOptions extends Pick<TaskOptions, "seed" | "splits"> {
  /** Items in all splits together (default 1000: 200 search, 200 validation, 600 test). */
  items?: number | undefined;
}

/** Plain 32-bit FNV-1a over the UTF-8 bytes, as the training script computes it. */
export function arithHash(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** True for questions the tiny models were never trained on. */
export function isHeldOut(question: string): boolean {
  return arithHash(question) % HELD_OUT_MOD === 0;
}

function randDigits(rng: Rng, n: number): number {
  return n === 1 ? rng.int(10) : 10 ** (n - 1) + rng.int(9 * 10 ** (n - 1));
}

/**
 * One question and its answer, from the training distribution: a sum or a difference (never
 * negative) of two numbers with the same count of digits, 1 (a fifth of the time), 2 or 3.
 */
export function drawQuestion(rng: Rng): { question: string; answer: number } {
  const op = rng.pick(["+", "-"] as const);
  const n = rng.pick([1, 2, 2, 3, 3]);
  let a = randDigits(rng, n);
  let b = randDigits(rng, n);
  if (op === "-" && b > a) [a, b] = [b, a];
  return op === "+" ? { question: `${a}+${b}`, answer: a + b } : { question: `${a}-${b}`, answer: a - b };
}

/** `n` distinct held-out items, in a seeded order. */
export function arithItems(n: number, seed: number): TaskItem[] {
  const rng = new Rng(seed, ARITH_TASK_ID, "items");
  const seen = new Set<string>();
  const items: TaskItem[] = [];
  for (let tries = 0; items.length < n; tries++) {
    if (tries > n * 200) throw new RangeError(`cannot draw ${n} distinct arith questions`);
    const { question, answer } = drawQuestion(rng);
    if (seen.has(question) || !isHeldOut(question)) continue;
    seen.add(question);
    items.push({ id: `arith-${String(items.length).padStart(4, "0")}`, question, answer: String(answer) });
  }
  return items;
}

/** A reference's answer as the models were trained to read it: digits, or `?`. */
function candidate(r: Pick<Reference, "answer">): string {
  return r.answer !== null && /^\d{1,6}$/.test(r.answer) ? r.answer : "?";
}

/** The references' answers as the tiny models read candidates (shared by `arith` and `chain`). */
export function referenceCandidates(references: readonly Pick<Reference, "answer">[]): string[] {
  return references.map(candidate);
}

/** The prompt text of a role: the question alone, refined with references, or fused from candidates. */
export function arithPrompt(question: string, role: "answer" | "refine" | "fuse", candidates: readonly string[] = []): string {
  if (role === "answer" || candidates.length === 0) return `${question}=`;
  if (role === "refine") return `${question}~${candidates.slice(0, ARITH_MAX_REFINE).join(",")}=`;
  return `${question}#${candidates.slice(0, ARITH_MAX_FUSE).join(",")}=`;
}

export function renderArith(input: PromptInput): ChatMessage[] {
  const cands = referenceCandidates(input.references);
  const role = input.role === "fuser" ? "fuse" : "refine";
  return [{ role: "user", content: arithPrompt(input.item.question, role, cands) }];
}

/** The first integer in an output (leading zeros dropped), or null. */
export function extractArith(text: string): string | null {
  const m = /-?\d+/.exec(text);
  if (!m) return null;
  return m[0].replace(/^(-?)0+(?=\d)/, "$1");
}

export function gradeArith(item: TaskItem, output: string): Grade {
  const extracted = extractArith(output);
  return { correct: extracted !== null && extracted === item.answer, extracted };
}

/**
 * Token constants measured from the format: every character is one token of the tiny models'
 * vocabulary, a prompt starts with BOS, and an output is the answer's digits plus the end token.
 * Each reference adds its answer and a separator, which is B again, as the cost model assumes.
 */
export function arithTokens(items: readonly TaskItem[]): { promptTokens: number; outputTokens: number; source: string } {
  const mean = (f: (i: TaskItem) => number) => items.reduce((s, i) => s + f(i), 0) / items.length;
  return {
    promptTokens: Number(mean((i) => 1 + arithPrompt(i.question, "answer").length).toFixed(3)),
    outputTokens: Number(mean((i) => i.answer.length + 1).toFixed(3)),
    source: "measured",
  };
}

/** The `arith` task. */
export function createArithTask(options: ArithTaskOptions = {}): DatasetTask {
  const seed = options.seed ?? 0;
  const items = arithItems(options.items ?? DEFAULT_ITEMS, seed);
  const base = createTask(
    {
      id: ARITH_TASK_ID,
      style: "number",
      description:
        "Generated arithmetic (a+b and a-b, operands of one to three digits) in the compact formats of the tiny GGUF models (examples/models)",
      tokens: arithTokens(items),
      load: () => items,
    },
    { seed, splits: options.splits },
  );
  return {
    ...base,
    render: renderArith,
    extract: (text: string) => extractArith(text),
    grade: gradeArith,
  };
}
