/**
 * Graders: one per task style. Each reads the answer from the output with the style's extractor
 * and compares it with the gold answer by the benchmark's convention (numbers numerically, MATH
 * answers symbolically, letters and yes/no exactly, code by running its tests).
 */
import { buildTestProgram } from "./code.js";
import { answerText } from "./answer-text.js";
import { dropApproximation, extractAnswer, extractChoice, finalBoxed, parseNumber } from "./extract.js";
import { mathEquivalent } from "./math/equiv.js";
import { defaultSandbox, type Sandbox } from "./sandbox.js";
import type { Grade, TaskItem, TaskStyle } from "./types.js";

/** Absolute tolerance for numeric answers, as the SVAMP convention has it (GSM8K answers are integers). */
export const NUMBER_TOLERANCE = 1e-4;

/** Equal within the absolute tolerance (and within double precision for very large values). */
export function numbersEqual(gold: number, given: number): boolean {
  return Math.abs(gold - given) <= Math.max(NUMBER_TOLERANCE, 1e-12 * Math.abs(gold));
}

/** A gold answer written as a number, or via a LaTeX fraction as some datasets do. */
function goldNumber(gold: string): number | null {
  const n = parseNumber(gold);
  if (n !== null) return n;
  const frac = /^(-?)\\[dt]?frac\{(-?\d+)\}\{(\d+)\}$/.exec(gold.trim());
  return frac ? (frac[1] ? -1 : 1) * (Number(frac[2]) / Number(frac[3])) : null;
}

export function gradeNumber(gold: string, output: string): Grade {
  const extracted = extractAnswer("number", output);
  if (extracted === null) return { correct: false, extracted, reason: "no number found" };
  const g = goldNumber(gold);
  if (g === null) return { correct: mathEquivalent(gold, extracted), extracted };
  return { correct: numbersEqual(g, Number(extracted)), extracted };
}

/**
 * A math answer: the extracted one, or, when that is wrong, the list a model gave by boxing each
 * solution (`x = \boxed{-2}` or `x = \boxed{1}` against the gold `-2, 1`).
 */
export function gradeMath(gold: string, output: string): Grade {
  const extracted = extractAnswer("math", output);
  if (extracted === null) return { correct: false, extracted, reason: "no final answer found" };
  if (mathEquivalent(gold, extracted)) return { correct: true, extracted };
  const list = finalBoxed(answerText(output));
  if (list !== null && mathEquivalent(gold, dropApproximation(list))) return { correct: true, extracted: list };
  return { correct: false, extracted };
}

/** The gold letter of a choice item: a letter, or an option's text. */
export function goldLetter(item: TaskItem): string {
  const a = item.answer.trim();
  if (/^[A-Za-z]$/.test(a)) return a.toUpperCase();
  const letter = extractChoice(a, item.choices);
  return letter ?? a.toUpperCase();
}

export function gradeChoice(item: TaskItem, output: string): Grade {
  const extracted = extractAnswer("choice", output, item);
  if (extracted === null) return { correct: false, extracted, reason: "no option letter found" };
  return { correct: extracted === goldLetter(item), extracted };
}

function yesNoGold(gold: string): "yes" | "no" | null {
  const g = gold.trim().toLowerCase();
  if (g === "yes" || g === "true") return "yes";
  if (g === "no" || g === "false") return "no";
  return null;
}

export function gradeYesNo(gold: string, output: string): Grade {
  const extracted = extractAnswer("yesno", output);
  if (extracted === null) return { correct: false, extracted, reason: "no yes/no answer found" };
  return { correct: extracted === yesNoGold(gold), extracted };
}

/** SQuAD-style normalisation: lower case, no punctuation, no articles, single spaces. */
export function normalizeShort(s: string): string {
  return s
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, " ")
    .replace(/\b(?:a|an|the)\b/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export function gradeShort(item: TaskItem, output: string): Grade {
  const extracted = extractAnswer("short", output, item);
  if (extracted === null) return { correct: false, extracted, reason: "no answer found" };
  const aliases = Array.isArray(item.meta?.aliases) ? item.meta.aliases.filter((a): a is string => typeof a === "string") : [];
  const wanted = [item.answer, ...aliases].map(normalizeShort);
  return { correct: wanted.includes(normalizeShort(extracted)), extracted };
}

/** Run the item's tests on the code in the output. */
export async function gradeCode(item: TaskItem, output: string, sandbox: Sandbox = defaultSandbox()): Promise<Grade> {
  const extracted = extractAnswer("code", output, item);
  if (extracted === null) return { correct: false, extracted, reason: "no code found" };
  const result = await sandbox.run(buildTestProgram(item, extracted));
  return { correct: result.passed, extracted, ...(result.passed ? {} : { reason: `${result.status}: ${result.reason}` }) };
}

/** Grade an output for an item of a style. */
export function gradeOutput(style: TaskStyle, item: TaskItem, output: string, options: { sandbox?: Sandbox | undefined } = {}): Grade | Promise<Grade> {
  switch (style) {
    case "number":
      return gradeNumber(item.answer, output);
    case "math":
      return gradeMath(item.answer, output);
    case "choice":
      return gradeChoice(item, output);
    case "yesno":
      return gradeYesNo(item.answer, output);
    case "short":
      return gradeShort(item, output);
    case "code":
      return gradeCode(item, output, options.sandbox);
  }
}
