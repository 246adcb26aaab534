/**
 * Reading a multiple-choice answer the way a careful grader does: the option the model states as its
 * answer, not one it mentions while rejecting it; lower-case letters only where they cannot be the
 * article "a"; and an answer written as the option's text.
 */
import { answerText } from "./answer-text.js";

/** The letters of `count` options as a character class body: `A-D`. */
function letterRange(count: number | undefined): string {
  const n = Math.max(1, Math.min(26, count ?? 10));
  return `A-${String.fromCharCode(64 + n)}`;
}

/** Lower-cased, single-spaced, without surrounding punctuation or markdown. */
function normText(s: string): string {
  return s
    .toLowerCase()
    .replace(/\\text\{([^{}]*)\}/g, "$1")
    .replace(/[*_`$]/g, "")
    .replace(/\s+/g, " ")
    .replace(/^[\s"'(:]+|[\s"'.,;:!)]+$/g, "")
    .trim();
}

/**
 * A letter read at `m.index`: upper case, or lower case when it stands alone ("(b)", "b)", "b." at
 * the end of the line, "b" before the end of the line) so that "answer is a prime" is not option A.
 */
function acceptLetter(letter: string, before: string, after: string): boolean {
  if (/[A-Z]/.test(letter)) {
    if (/^[\w'’]/.test(after)) return false;
    // "Answer: I think", "the answer is A bit": a capital A or I that starts a sentence.
    return !(/[AI]/.test(letter) && !before.endsWith("(") && /^ (?!(?:because|since|as|and|or|with|which|is|was|—|-)\b)[a-z]/.test(after));
  }
  if (before.endsWith("(") && after.startsWith(")")) return true;
  if (after.startsWith(")")) return true;
  return /^[.,;:!*]*\s*(?:$|\n)/.test(after);
}

interface LetterHit {
  letter: string;
  index: number;
}

/** Every acceptable letter captured by `re` (group 1), in text order. */
function letters(text: string, re: RegExp): LetterHit[] {
  const out: LetterHit[] = [];
  const flags = re.flags.includes("d") ? re.flags : re.flags + "d";
  for (const m of text.matchAll(new RegExp(re.source, flags))) {
    const [start, end] = m.indices![1]!;
    if (acceptLetter(m[1]!, text.slice(Math.max(0, start - 1), start), text.slice(end, end + 40))) out.push({ letter: m[1]!.toUpperCase(), index: start });
  }
  return out;
}

/** Where the discussion of the other (rejected) options begins, or -1. */
function rejectionStart(text: string): number {
  const m = /\b(?:the\s+)?other\s+(?:choices|options|answers|answer choices)\b|\bwhy\s+(?:not\s+)?the\s+others\b|\b(?:incorrect|wrong)\s+(?:choices|options|answers)\b|\beliminat(?:e|ing)\b/i.exec(text);
  return m ? m.index : -1;
}

/** A mention of an option said, in its own clause, to be wrong. */
function rejected(text: string, hit: LetterHit, L: string): boolean {
  const after = text.slice(hit.index + 1, hit.index + 60).split(/[.;\n]/)[0]!;
  if (/^\)?\s*(?:is|are|would be|seems)\s+(?:also\s+)?(?:not|incorrect|wrong|false|unlikely|ruled out)\b/i.test(after)) return true;
  if (new RegExp(`^\\)?[^${L}]{0,40}\\b(?:is|are)\\s+(?:incorrect|wrong|not (?:correct|right|the answer))\\b`, "i").test(after)) return true;
  const before = text.slice(Math.max(0, hit.index - 30), hit.index);
  return /\b(?:not|rule out|ruling out|eliminate|exclude|rather than|instead of)\s*(?:option|choice)?\s*\(?$/i.test(before);
}

/** The option whose text the phrase gives (whole, or as its start), as a letter. */
function optionByText(phrase: string, choices: readonly string[]): string | null {
  const p = normText(phrase);
  if (p === "") return null;
  const norm = choices.map(normText);
  let k = norm.findIndex((c) => c === p);
  if (k < 0) k = norm.findIndex((c) => c.length >= 3 && (p.startsWith(c + " ") || p.startsWith(c + ",")));
  return k >= 0 ? String.fromCharCode(65 + k) : null;
}

/**
 * Multiple-choice letter, in order of trust: the last stated answer ("Answer: X", "the answer is
 * (X)", "X is the correct answer", a boxed letter, possibly lower case); the same statements giving
 * the option's text; the last parenthesised letter that is not among rejected options; a last line
 * that is only a letter or only an option's text. `choices` (the options, or their count) limits the
 * letters accepted.
 */
export function extractChoice(output: string, choices?: readonly string[] | number): string | null {
  const text = answerText(output);
  const count = typeof choices === "number" ? choices : choices?.length;
  const L = letterRange(count);
  const l = `${L}${L.toLowerCase()}`;
  const stated = [
    new RegExp(`answer\\s*(?:is)?\\s*[:：]\\s*[*\\s]*(?:option\\s+|choice\\s+)?\\(?([${l}])`, "gi"),
    new RegExp(`answer\\s+(?:is|would be|should be)\\s*:?\\s*[*\\s]*(?:option\\s+|choice\\s+)?\\(?([${l}])`, "gi"),
    new RegExp(`(?:correct|right|best)\\s+(?:answer|option|choice)\\s+(?:is|would be)\\s*:?\\s*[*\\s]*(?:option\\s+|choice\\s+)?\\(?([${l}])`, "gi"),
    new RegExp(`(?:^|[\\s*])(?:option\\s+|choice\\s+)?\\(?([${L}])\\)?[*\\s]*(?:is|would be)\\s+(?:the\\s+)?(?:correct|right|best)\\b`, "gm"),
    new RegExp(`\\\\boxed\\{\\s*(?:\\\\text(?:bf)?\\{)?\\s*\\(?([${l}])\\)?\\s*\\}?\\s*\\}`, "g"),
  ];
  const statedHits = stated.flatMap((re) => letters(text, re)).sort((a, b) => a.index - b.index);
  if (statedHits.length > 0) return statedHits[statedHits.length - 1]!.letter;

  if (Array.isArray(choices)) {
    const phrases = [...text.matchAll(/(?:answer\s*(?:is)?\s*[:：]|answer\s+is|correct\s+(?:answer|option)\s+is)\s*([^\n]+)/gi)];
    for (let i = phrases.length - 1; i >= 0; i--) {
      const hit = optionByText(phrases[i]![1]!, choices);
      if (hit) return hit;
    }
  }

  const cut = rejectionStart(text);
  const mentions = letters(text, new RegExp(`\\(([${l}])\\)`, "g")).filter((h) => !rejected(text, h, L));
  const kept = cut >= 0 && mentions.some((h) => h.index < cut) ? mentions.filter((h) => h.index < cut) : mentions;
  if (kept.length > 0) return kept[kept.length - 1]!.letter;

  const lines = text.trim().split(/\n/).map((x) => x.trim()).filter(Boolean);
  const lastLine = lines[lines.length - 1] ?? "";
  const alone = new RegExp(`^(?:option\\s+)?\\**\\(?([${L}])\\)?[.:)]?\\**(?:\\s|$)`).exec(lastLine);
  if (alone && (lastLine.length <= 2 || /^\**\(?[A-Z]\)?[.:)]?\**(\s|$)/.test(lastLine))) return alone[1]!;
  const tail = new RegExp(`(?:^|\\s)\\(?([${L}])\\)?\\.?$`).exec(text.trim());
  if (tail && text.trim().length < 40) return tail[1]!;
  if (Array.isArray(choices)) return optionByText(text, choices) ?? optionByText(lastLine, choices);
  return null;
}
