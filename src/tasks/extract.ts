/**
 * Reading the final answer out of a model's output, per task style. Extractors are lenient about
 * where the answer sits (a model may not follow the requested format exactly) but never guess from
 * nothing: when no answer can be read they return null, which grades as wrong.
 */
import { afterThinking, answerText } from "./answer-text.js";
import { extractChoice } from "./extract-choice.js";
import type { TaskItem, TaskStyle } from "./types.js";

export { extractChoice };

/** Contents of a `{...}` group starting at `open` (which must be `{`), with nested braces; null if unclosed. */
export function braceGroup(text: string, open: number): { content: string; end: number } | null {
  if (text[open] !== "{") return null;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++; // an escaped brace (`\{`) does not open or close a group
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return { content: text.slice(open + 1, i), end: i + 1 };
    }
  }
  return null;
}

export interface Boxed {
  content: string;
  start: number;
  end: number;
}

/** Every `\boxed{...}` or `\fbox{...}` (nested braces allowed), or brace-less `\boxed 5`, in text order. */
export function boxes(text: string): Boxed[] {
  const re = /\\(?:boxed|fbox)\b/g;
  const out: Boxed[] = [];
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const after = m.index + m[0].length;
    let i = after;
    while (text[i] === " ") i++;
    if (text[i] === "{") {
      const g = braceGroup(text, i);
      if (g) {
        out.push({ content: g.content.trim(), start: m.index, end: g.end });
        re.lastIndex = g.end;
      }
    } else if (i > after) {
      // `\boxed 5`: the argument runs to the next `$`, space or line end.
      const rest = /^[^\s$]+/.exec(text.slice(i));
      if (rest) out.push({ content: rest[0], start: m.index, end: i + rest[0].length });
    }
  }
  return out;
}

/** Contents of the last `\boxed{...}` or `\fbox{...}`; null when there is none. */
export function lastBoxed(text: string): string | null {
  const all = boxes(text);
  return all.length === 0 ? null : all[all.length - 1]!.content;
}

/** What may join boxes that together give one answer: `\boxed{-2} or x = \boxed{1}`, `\boxed{2}, \boxed{3}`. */
const BOX_JOIN = /^[\s$]*(?:,|;|and|or|\\text\{\s*(?:,|and|or)\s*\}|\\quad)?[\s$]*(?:[A-Za-z](?:_\d)?\s*=)?[\s$]*$/i;

/**
 * The last box together with the boxes just before it when only "and", "or" or a comma separates
 * them (a model boxing each root), as one list; null when there is no such run of boxes.
 */
export function finalBoxed(text: string): string | null {
  const all = boxes(text);
  if (all.length === 0) return null;
  let k = all.length - 1;
  while (k > 0 && text.slice(all[k - 1]!.end, all[k]!.start).length <= 24 && BOX_JOIN.test(text.slice(all[k - 1]!.end, all[k]!.start))) k--;
  if (k === all.length - 1) return null;
  return all
    .slice(k)
    .map((b) => b.content)
    .join(", ");
}

/** An answer followed by its approximation (`\frac{13}{18} \approx 0.722`) is the exact part. */
export function dropApproximation(answer: string): string {
  const m = /\s*(?:\\approx|≈|\\simeq)/.exec(answer);
  return m && m.index > 0 ? answer.slice(0, m.index).trim() : answer;
}

// A number: optional sign (not a hyphen glued to a previous word or digit), thousands separators,
// decimals, or a bare leading decimal point.
const NUMBER_RE = /(?<![\w.)])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|(?<![\w.)])-?\.\d+/g;

/** Parse a written number: strips `,` `$` `%`, spaces and a trailing period. */
export function parseNumber(raw: string): number | null {
  const s = raw
    .trim()
    .replace(/,\s*\\!\s*(?=\d{3})/g, "")
    .replace(/\\?\$|\\%|%|\\!|\{,\}/g, "")
    .replace(/,(?=\d{3}(?:\D|$))/g, "")
    .replace(/\.$/, "")
    .trim();
  if (!/^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** A number as a canonical string: `1,000.00` -> `1000`, `-0` -> `0`. */
export function canonicalNumber(n: number): string {
  if (Object.is(n, -0)) return "0";
  const rounded = Number(n.toPrecision(12));
  return String(rounded);
}

/** The last number in a text, or null. */
export function lastNumber(text: string): number | null {
  const all = text.match(NUMBER_RE);
  if (!all) return null;
  for (let i = all.length - 1; i >= 0; i--) {
    const n = parseNumber(all[i]!);
    if (n !== null) return n;
  }
  return null;
}

/** A simple value written in LaTeX: `\frac{3}{4}`, `-\dfrac{1}{2}`, `12.5`. */
function numberFromBoxed(content: string): number | null {
  const plain = parseNumber(content.replace(/\\text\{[^{}]*\}/g, "").replace(/\\(?:,|;|quad)/g, ""));
  if (plain !== null) return plain;
  const frac = /^(-?)\\[dt]?frac\{(-?\d+(?:\.\d+)?)\}\{(-?\d+(?:\.\d+)?)\}$/.exec(content.trim());
  if (frac) {
    const v = Number(frac[2]) / Number(frac[3]);
    return Number.isFinite(v) ? (frac[1] ? -v : v) : null;
  }
  return lastNumber(content);
}

/**
 * Numeric answer (GSM8K, SVAMP): the last boxed number; else the number after "The answer is",
 * "Answer:" or `####` (the last such); else the last number in the text. Returned in canonical form
 * (`1,000.` -> `1000`).
 */
export function extractNumber(output: string): string | null {
  const text = answerText(output);
  const boxed = lastBoxed(text);
  if (boxed !== null) {
    const n = numberFromBoxed(dropApproximation(boxed));
    if (n !== null) return canonicalNumber(n);
  }
  const phrases = [...text.matchAll(/(?:answer\s+is|answer\s*:|####)[\s:*$\\]*(-?[\d,]*\.?\d+)/gi)];
  for (let i = phrases.length - 1; i >= 0; i--) {
    const n = parseNumber(phrases[i]![1]!);
    if (n !== null) return canonicalNumber(n);
  }
  const n = lastNumber(text);
  return n === null ? null : canonicalNumber(n);
}

const MATH_CLOSE: Record<string, string> = { $: "$", $$: "$$", "\\(": "\\)", "\\[": "\\]" };

/** The text up to the end of its sentence or line, outside braces (`90\text{ square\nunits}` is one answer). */
function sentenceEnd(s: string): string {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}") depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === "\n" || (c === "." && (i + 1 === s.length || /\s/.test(s[i + 1]!))))) return s.slice(0, i);
  }
  return s;
}

/** The answer that starts a phrase: a `$...$` or `\(...\)` group, else the rest of the sentence. */
function leadingAnswer(rest: string): string | null {
  const s = rest.replace(/^[\s*:]+/, "");
  const math = /^(\$\$?|\\\(|\\\[)/.exec(s);
  if (math) {
    const end = s.indexOf(MATH_CLOSE[math[1]!]!, math[1]!.length);
    if (end > math[1]!.length) return s.slice(math[1]!.length, end).trim();
  }
  const a = sentenceEnd(s)
    .replace(/\*+$/, "")
    .replace(/[.\s]+$/, "")
    .trim();
  return a === "" ? null : a;
}

/**
 * Free-form math answer, read as the MATH graders read it: the Minerva form "The final answer is $X$.
 * I hope it is correct."; else the last boxed answer (as MATH's gold answers are read); else
 * what follows the last "final answer is", "Answer:" or "the answer is". An approximation after the
 * exact answer is dropped. Null when none of these is there: no guess from the working.
 */
export function extractMath(output: string): string | null {
  const found = mathAnswer(answerText(output));
  if (found === null) return null;
  const a = dropApproximation(found.trim());
  return a === "" ? null : a;
}

function mathAnswer(text: string): string | null {
  const minerva = [...text.matchAll(/final answer is\s*:?\s*([\s\S]{1,300}?)\s*I hope it is correct/gi)];
  if (minerva.length > 0) {
    const a = leadingAnswer(minerva[minerva.length - 1]![1]!);
    if (a !== null) return lastBoxed(a) ?? a;
  }
  const boxed = lastBoxed(text);
  if (boxed !== null && boxed !== "") return boxed;
  const phrases = [...text.matchAll(/final answer(?: is)?|answer\s*[:：]|answer is/gi)];
  for (let i = phrases.length - 1; i >= 0; i--) {
    const m = phrases[i]!;
    const a = leadingAnswer(text.slice(m.index + m[0].length));
    if (a !== null && !/^(?:is|to|of|for)\b/i.test(a)) return lastBoxed(a) ?? a;
  }
  return null;
}

const YES = /^(?:yes|true|correct)$/i;
const NO = /^(?:no|false|incorrect)$/i;

function yesNoWord(s: string | undefined): "yes" | "no" | null {
  if (!s) return null;
  const w = s.replace(/[^A-Za-z]/g, "");
  if (YES.test(w)) return "yes";
  if (NO.test(w)) return "no";
  return null;
}

/**
 * Yes/no: "Answer: yes" (last one), a boxed yes/no, a last line or first word that is yes or no,
 * else the last standalone yes or no in the text. `true`/`false` count as yes/no.
 */
export function extractYesNo(text: string): "yes" | "no" | null {
  const answers = [...text.matchAll(/answer\s*(?:is)?\s*[:：]?\s*\**\s*(yes|no|true|false)\b/gi)];
  const last = answers[answers.length - 1];
  if (last) return yesNoWord(last[1]);
  const boxed = lastBoxed(text);
  const fromBox = yesNoWord(boxed?.replace(/\\text\{([^{}]*)\}/g, "$1"));
  if (fromBox) return fromBox;
  const lines = text.trim().split(/\n/).map((l) => l.trim()).filter(Boolean);
  const lastLine = yesNoWord(lines[lines.length - 1]);
  if (lastLine) return lastLine;
  const first = /^\W*(yes|no)\b/i.exec(text);
  if (first) return yesNoWord(first[1]);
  const words = [...text.matchAll(/\b(yes|no)\b/gi)];
  const w = words[words.length - 1];
  return w ? yesNoWord(w[1]) : null;
}

/** Short free-text answer: the rest of the last "Answer:" line; else a boxed answer; else the last line. */
export function extractShort(text: string): string | null {
  const answers = [...text.matchAll(/(?:^|\n)\s*\**(?:final\s+)?answer\**\s*[:：]\s*\**(.+)/gi)];
  const last = answers[answers.length - 1];
  if (last) {
    const a = last[1]!.replace(/\*+$/, "").trim();
    if (a) return a;
  }
  const boxed = lastBoxed(text);
  if (boxed) return boxed.replace(/^\\text\{([^{}]*)\}$/, "$1").trim();
  const lines = text.trim().split(/\n/).map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1]! : null;
}

/** Fenced code blocks of a text, with their language tags (lowercased, possibly empty). */
export function codeBlocks(text: string): { lang: string; code: string }[] {
  const out: { lang: string; code: string }[] = [];
  const re = /```[ \t]*([\w+-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ lang: m[1]!.toLowerCase(), code: m[2]! });
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

/**
 * Code: the best fenced block (a ```python or untagged block, preferring one that defines the
 * item's entry point, else the first); else the raw text with any stray fences removed.
 */
export function extractCode(text: string, entryPoint?: string): string | null {
  const blocks = codeBlocks(text).filter((b) => b.lang === "" || b.lang === "python" || b.lang === "py" || b.lang === "python3");
  if (blocks.length > 0) {
    if (entryPoint) {
      const def = new RegExp(`^\\s*def\\s+${escapeRegExp(entryPoint)}\\s*\\(`, "m");
      const defining = blocks.find((b) => def.test(b.code));
      if (defining) return defining.code;
    }
    return blocks[0]!.code;
  }
  const raw = text.replace(/^```\w*\s*$/gm, "");
  return raw.trim() === "" ? null : raw;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The extractor of a style. `item` supplies the options (choice) or the entry point (code). A
 * reasoning model's `<think>` part is skipped and minus signs are read as minus signs.
 */
export function extractAnswer(style: TaskStyle, raw: string, item?: TaskItem): string | null {
  const text = style === "code" ? afterThinking(raw) : answerText(raw);
  switch (style) {
    case "math":
      return extractMath(text);
    case "number":
      return extractNumber(text);
    case "choice":
      return extractChoice(text, item?.choices);
    case "yesno":
      return extractYesNo(text);
    case "short":
      return extractShort(text);
    case "code":
      return extractCode(text, typeof item?.meta?.entry_point === "string" ? item.meta.entry_point : undefined);
  }
}
