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
  return heldOutItems(n, seed, ARITH_TASK_ID, (rng) => {
    const { question, answer } = drawQuestion(rng);
    return { question, answer: String(answer) };
  });
}

/**
 * `n` distinct items of a generated task, drawn in a seeded order from questions training never saw
 * (ids `TASK-0000`, ...). Shared by `arith` and `chain`.
 */
export function heldOutItems(n: number, seed: number, taskId: string, draw: (rng: Rng) => Omit<TaskItem, "id">): TaskItem[] {
  const rng = new Rng(seed, taskId, "items");
  const seen = new Set<string>();
  const items: TaskItem[] = [];
  for (let tries = 0; items.length < n; tries++) {
    if (tries > n * 200) throw new RangeError(`cannot draw ${n} distinct ${taskId} questions`);
    const item = draw(rng);
    if (seen.has(item.question) || !isHeldOut(item.question)) continue;
    seen.add(item.question);
    items.push({ id: `${taskId}-${String(items.length).padStart(4, "0")}`, ...item });
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
  const role = input.role === "fuser" ? "fuse" : "refine";
  return [{ role: "user", content: arithPrompt(input.item.question, role, referenceCandidates(input.references)) }];
}

/** The first integer in an output (leading zeros dropped), or null. */
export function extractArith(text: string): string | null {
  const m = /-?\d+/.exec(text);
  if (!m) return null;
  return m[0].replace(/^(-?)0+(?=\d)/, "$1");
}

/** A grader that compares what `extract` reads with the item's answer. */
export function gradeWith(extract: (text: string) => string | null): (item: TaskItem, output: string) => Grade {
  return (item, output) => {
    const extracted = extract(output);
    return { correct: extracted !== null && extracted === item.answer, extracted };
  };
}

export const gradeArith = gradeWith(extractArith);

/**
 * A task in the tiny models' compact formats (`arith`, `chain`). Token constants are measured from
 * the format: every character is one token of the models' vocabulary, a prompt starts with BOS,
 * and an assistant's output is `outputText` plus the end token. Each reference adds its answer and
 * a separator, which is B again, as the cost model assumes.
 */
export function compactTask(spec: {
  id: string;
  description: string;
  items: TaskItem[];
  outputText: (item: TaskItem) => string;
  extract: (text: string) => string | null;
  options: Pick<TaskOptions, "seed" | "splits">;
}): DatasetTask {
  const { items } = spec;
  const mean = (f: (i: TaskItem) => number) => items.reduce((s, i) => s + f(i), 0) / items.length;
  const tokens = {
    promptTokens: Number(mean((i) => 1 + arithPrompt(i.question, "answer").length).toFixed(3)),
    outputTokens: Number(mean((i) => spec.outputText(i).length + 1).toFixed(3)),
    source: "measured",
  };
  const base = createTask({ id: spec.id, style: "number", description: spec.description, tokens, load: () => items }, { seed: spec.options.seed ?? 0, splits: spec.options.splits });
  return { ...base, render: renderArith, extract: spec.extract, grade: gradeWith(spec.extract) };
}

/** The `arith` task. */
export function createArithTask(options: ArithTaskOptions = {}): DatasetTask {
  return compactTask({
    id: ARITH_TASK_ID,
    description: "Generated arithmetic (a+b and a-b, operands of one to three digits) in the compact formats of the tiny GGUF models (examples/models)",
    items: arithItems(options.items ?? DEFAULT_ITEMS, options.seed ?? 0),
    outputText: (i) => i.answer,
    extract: extractArith,
    options,
  });
}
