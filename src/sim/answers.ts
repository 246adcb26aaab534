/**
 * The text side of the simulated world: answer strings per item and style, one-off wrong answers
 * that can be read back to the exact code that produced them, question texts, and model outputs with
 * an exact number of tokens. The simulator's tokenizer is whitespace: a text has as many tokens as
 * whitespace-separated pieces, so a reference's length can be recounted from its text alone.
 */
import { fmix32 } from "../util/rng.js";
import type { SimProfile } from "./profile.js";

/** The answers of one item: strings[0] is correct, strings[1..K] are the plausible wrong ones. */
export interface AnswerTable {
  strings: string[];
  /** Normalised answer string -> code. */
  codes: Map<string, number>;
  /** The string of one-off wrong answer number `u` (0 <= u < 2^20). */
  unique: (u: number) => string;
  question: string;
  choices?: string[];
  entryPoint?: string;
}

/** Fewest tokens an output has: room for the answer part of every style. */
export const MIN_OUTPUT_TOKENS = 24;

/** Two-argument expressions for code-style variants; an item's variants are distinct picks. */
export const CODE_VARIANTS: readonly string[] = [
  "a + b",
  "a - b",
  "b - a",
  "a * b",
  "a // b",
  "a % b",
  "max(a, b)",
  "min(a, b)",
  "abs(a - b)",
  "a * a + b",
  "a + b * b",
  "(a + b) * 2",
  "a * 2 - b",
  "a ** 2 - b ** 2",
  "(a - b) ** 2",
  "a * b + a",
  "a * b - b",
  "a + b + 1",
  "a - b - 1",
  "2 * a + 3 * b",
  "a * (b + 1)",
  "(a + 1) * (b + 1)",
  "a // 2 + b",
  "a + b // 2",
  "max(a, b) - min(a, b)",
  "a * b // 2",
];

const LETTERS = "ABCDEFGHIJ";
const SQUARE_FREE = [2, 3, 5, 6, 7, 10, 11, 13, 14, 15, 17, 19, 21, 22, 23, 26, 29, 30];

/** A small keyed stream for building one item's strings. */
function stream(key: number): () => number {
  let s = key >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    return fmix32(s) / 4294967296;
  };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function mathAnswer(form: number, rnd: () => number): string {
  if (form === 0) return String(2 + Math.floor(rnd() * 9998));
  if (form === 1) {
    const p = 1 + Math.floor(rnd() * 60);
    const q = 2 + Math.floor(rnd() * 60);
    const g = gcd(p, q);
    return q / g === 1 ? String(p / g) : `\\frac{${p / g}}{${q / g}}`;
  }
  const k = 1 + Math.floor(rnd() * 15);
  const m = SQUARE_FREE[Math.floor(rnd() * SQUARE_FREE.length)]!;
  return k === 1 ? `\\sqrt{${m}}` : `${k}\\sqrt{${m}}`;
}

/** Build the answer table of item `index` (key = the item's key). */
export function answerTable(profile: SimProfile, index: number, key: number): AnswerTable {
  const K = profile.task.wrongAnswers.plausible;
  const rnd = stream(key ^ 0x5a17ab1e);
  const strings: string[] = [];
  const table: AnswerTable = { strings, codes: new Map(), unique: () => "", question: "" };
  switch (profile.task.style) {
    case "math": {
      const r = rnd();
      const form = r < 0.6 ? 0 : r < 0.85 ? 1 : 2;
      const seen = new Set<string>();
      while (strings.length < K + 1) {
        const s = mathAnswer(form, rnd);
        if (!seen.has(s)) {
          seen.add(s);
          strings.push(s);
        }
      }
      table.unique = (u) => String(1_000_000 + u);
      table.question = `Problem ${index}. A simulated competition problem: work out the exact value of the requested quantity and give it in simplest form.`;
      break;
    }
    case "choice": {
      const n = profile.task.choices!;
      const perm = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      for (let k = 0; k < n; k++) strings.push(LETTERS[perm[k]!]!);
      table.unique = () => {
        throw new RangeError("choice-style items have no one-off answers");
      };
      table.question = `Question ${index}. A simulated multiple-choice question: which of the options below is correct?`;
      table.choices = Array.from({ length: n }, (_, k) => `Statement ${index}.${k + 1}, one of ${n} candidate claims`);
      break;
    }
    case "code": {
      const idx = Array.from({ length: CODE_VARIANTS.length }, (_, i) => i);
      for (let i = idx.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [idx[i], idx[j]] = [idx[j]!, idx[i]!];
      }
      const fn = `solve_${index}`;
      for (let k = 0; k <= K; k++) strings.push(`def ${fn}(a, b):\n    return ${CODE_VARIANTS[idx[k]!]}`);
      table.unique = (u) => `def ${fn}(a, b):\n    return a * ${2 + (u & 127)} + b * ${2 + ((u >>> 7) & 127)} - ${1 + (u >>> 14)}`;
      table.question = `Write a Python function ${fn}(a, b) that returns the quantity described in simulated programming task ${index}.`;
      table.entryPoint = fn;
      break;
    }
  }
  strings.forEach((s, k) => table.codes.set(s.trim().replace(/\s+/g, " "), k));
  return table;
}

/** The number of a one-off wrong answer, read back from its string; undefined when it is not one. */
export function decodeUnique(style: SimProfile["task"]["style"], answer: string, table: AnswerTable): number | undefined {
  const s = answer.trim().replace(/\s+/g, " ");
  if (style === "math") {
    if (!/^\d{7}$/.test(s)) return undefined;
    const u = Number(s) - 1_000_000;
    return u >= 0 && u < 1 << 20 ? u : undefined;
  }
  if (style === "code" && table.entryPoint) {
    const m = /^def (\w+)\(a, b\): return a \* (\d+) \+ b \* (\d+) - (\d+)$/.exec(s);
    if (!m || m[1] !== table.entryPoint) return undefined;
    const x = Number(m[2]) - 2;
    const y = Number(m[3]) - 2;
    const z = Number(m[4]) - 1;
    if (x < 0 || x > 127 || y < 0 || y > 127 || z < 0 || z > 63) return undefined;
    return x | (y << 7) | (z << 14);
  }
  return undefined;
}

const FILLER: Record<SimProfile["task"]["style"], readonly string[]> = {
  math: ["we", "first", "rewrite", "the", "expression", "then", "substitute", "and", "simplify", "both", "sides", "factor", "so", "check", "this", "value", "term", "equation", "gives", "note", "that", "since", "hence", "it", "follows", "consider", "case", "where", "is", "a", "of", "by", "to"],
  choice: ["the", "question", "asks", "which", "claim", "holds", "option", "states", "that", "this", "is", "consistent", "with", "known", "facts", "while", "other", "options", "contradict", "it", "so", "we", "rule", "out", "because", "of", "a", "in"],
  code: ["the", "function", "takes", "two", "integers", "and", "returns", "result", "we", "handle", "the", "inputs", "directly", "no", "loop", "is", "needed", "edge", "cases", "follow", "from", "definition", "so", "this", "implementation", "computes", "value", "in", "constant", "time"],
};

/** The answer part of an output, as whitespace tokens. */
function answerPart(style: SimProfile["task"]["style"], answer: string): string {
  if (style === "math") return `Final answer: \\boxed{${answer}}`;
  if (style === "choice") return `Answer: ${answer}`;
  return "```python\n" + answer + "\n```";
}

/** Whitespace tokens in a text: the simulator's tokenizer. */
export function countTokens(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 9 || c === 13;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

/**
 * An output with exactly `tokens` tokens (when `tokens` leaves room for the answer part): reasoning
 * filler keyed by `key`, then the answer in the style's format.
 */
export function renderOutput(style: SimProfile["task"]["style"], answer: string, tokens: number, key: number): string {
  const tail = answerPart(style, answer);
  const fill = Math.max(0, tokens - countTokens(tail));
  const vocab = FILLER[style];
  const rnd = stream(key);
  const words: string[] = [];
  for (let i = 0; i < fill; i++) {
    words.push(vocab[Math.floor(rnd() * vocab.length)]!);
    if (i % 16 === 15 && i + 1 < fill) words.push("\n");
  }
  const body = words.join(" ").replace(/ \n /g, ".\n");
  return fill > 0 ? `${body}.\n\n${tail}` : tail;
}
