/**
 * Reading the final answer out of a model's output, per task style. Extractors are lenient about
 * where the answer sits (a model may not follow the requested format exactly) but never guess from
 * nothing: when no answer can be read they return null, which grades as wrong.
 */
import type { TaskItem, TaskStyle } from "./types.js";

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

/**
 * Contents of the last `\boxed{...}` or `\fbox{...}` (nested braces allowed), or of a brace-less
 * `\boxed 5`. Null when there is none.
 */
export function lastBoxed(text: string): string | null {
  const re = /\\(?:boxed|fbox)\b/g;
  let found: string | null = null;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const after = m.index + m[0].length;
    let i = after;
    while (text[i] === " ") i++;
    if (text[i] === "{") {
      const g = braceGroup(text, i);
      if (g) {
        found = g.content;
        re.lastIndex = g.end;
      }
    } else if (i > after) {
      // `\boxed 5`: the argument runs to the next `$`, space or line end.
      const rest = /^[^\s$]+/.exec(text.slice(i));
      if (rest) found = rest[0];
    }
  }
  return found === null ? null : found.trim();
}

// A number: optional sign (not a hyphen glued to a previous word or digit), thousands separators,
// decimals, or a bare leading decimal point.
const NUMBER_RE = /(?<![\w.)])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|(?<![\w.)])-?\.\d+/g;

/** Parse a written number: strips `,` `$` `%`, spaces and a trailing period. */
export function parseNumber(raw: string): number | null {
  const s = raw
    .trim()
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
 * Numeric answer (GSM8K, SVAMP): the last boxed number; else the number after "The answer is" or
 * `####`; else the last number in the text. Returned in canonical form (`1,000.` -> `1000`).
 */
export function extractNumber(text: string): string | null {
  const boxed = lastBoxed(text);
  if (boxed !== null) {
    const n = numberFromBoxed(boxed);
    if (n !== null) return canonicalNumber(n);
  }
  const phrases = [...text.matchAll(/(?:answer\s+is|answer:|####)\s*:?\s*\$?\s*(-?[\d,]*\.?\d+)/gi)];
  for (let i = phrases.length - 1; i >= 0; i--) {
    const n = parseNumber(phrases[i]![1]!);
    if (n !== null) return canonicalNumber(n);
  }
  const n = lastNumber(text);
  return n === null ? null : canonicalNumber(n);
}

/** Free-form math answer: the last `\boxed{}` (or `\fbox{}`). */
export function extractMath(text: string): string | null {
  const b = lastBoxed(text);
  return b === null || b === "" ? null : b;
}

function letterRange(choices: number | undefined): string {
  const n = Math.max(1, Math.min(26, choices ?? 10));
  return `A-${String.fromCharCode(64 + n)}`;
}

/**
 * Multiple-choice letter, in order of trust: "Answer: X" (last one), "the answer is (X)", a boxed
 * letter, the last "(X)", a last line that is only a letter, and finally an output that repeats one
 * option's text. `choices` (the options, or their count) limits the letters accepted.
 */
export function extractChoice(text: string, choices?: readonly string[] | number): string | null {
  const count = typeof choices === "number" ? choices : choices?.length;
  const L = letterRange(count);
  const pick = (re: RegExp): string | null => {
    const all = [...text.matchAll(re)];
    const last = all[all.length - 1];
    return last ? last[1]!.toUpperCase() : null;
  };
  const patterns = [
    new RegExp(`answer\\s*(?:is)?\\s*[:：]\\s*\\**\\s*\\(?\\s*([${L}])\\b`, "gi"),
    new RegExp(`[Aa]nswer\\s+is\\s*\\**\\s*(?:option\\s+)?\\(?([${L}])\\)?(?![\\w'])`, "g"),
    new RegExp(`[Aa]nswer\\s+is\\s*\\**\\s*(?:option\\s+)?\\(([${L.toLowerCase()}])\\)`, "g"),
    new RegExp(`\\\\boxed\\{\\s*(?:\\\\text\\{)?\\(?([${L}])\\)?\\}?\\s*\\}`, "g"),
    new RegExp(`\\(([${L}])\\)`, "g"),
  ];
  for (const re of patterns) {
    const hit = pick(re);
    if (hit) return hit;
  }
  const lines = text.trim().split(/\n/).map((l) => l.trim()).filter(Boolean);
  const lastLine = lines[lines.length - 1] ?? "";
  const alone = new RegExp(`^(?:option\\s+)?\\**\\(?([${L}])\\)?[.:)]?\\**(?:\\s|$)`).exec(lastLine);
  if (alone && (lastLine.length <= 2 || /^\**\(?[A-Z]\)?[.:)]?\**(\s|$)/.test(lastLine))) return alone[1]!;
  const tail = new RegExp(`(?:^|\\s)\\(?([${L}])\\)?\\.?$`).exec(text.trim());
  if (tail && text.trim().length < 40) return tail[1]!;
  if (Array.isArray(choices)) {
    const norm = (s: string) => s.toLowerCase().replace(/\s+/g, " ").replace(/[.\s]+$/, "").trim();
    const out = norm(text);
    const idx = choices.findIndex((c) => norm(c) === out || norm(c) === norm(lastLine));
    if (idx >= 0) return String.fromCharCode(65 + idx);
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

/** The extractor of a style. `item` supplies the options (choice) or the entry point (code). */
export function extractAnswer(style: TaskStyle, text: string, item?: TaskItem): string | null {
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
