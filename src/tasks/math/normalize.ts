/**
 * String normalisation of math answers, in the spirit of Hendrycks' `_strip_string` and PRM800K's
 * `math_normalize` / `grader._normalize`: the many ways of writing the same final answer
 * (`\dfrac12`, `\left( 3, \frac{\pi}{2} \right)`, `10^\circ`, `\$5`, `5\text{ cm}`, `x = 3`) are
 * reduced to one spelling before any symbolic comparison.
 */
import { braceGroup } from "../extract.js";

const UNIT_WORDS = [
  "degree",
  "cm",
  "centimeter",
  "meter",
  "metre",
  "km",
  "kilometer",
  "mile",
  "second",
  "minute",
  "hour",
  "day",
  "week",
  "month",
  "year",
  "foot",
  "feet",
  "inch",
  "yard",
  "unit",
  "dollar",
  "cent",
  "mph",
  "pound",
  "ounce",
  "gallon",
  "liter",
  "litre",
  "square",
  "sq",
  "cubic",
];
const UNIT_PHRASE = `(?:(?:${UNIT_WORDS.join("|")})(?:es|s)?\\.?\\s*)+`;
/** `\text{ cm}^2`, `\mbox{inches}`: units in a text group, with an optional power. */
const TEXT_UNIT_RE = new RegExp(`\\\\(?:text|textrm|mbox|mathrm)\\s*\\{\\s*(?:${UNIT_PHRASE})\\}(?:\\^\\s*\\{?\\d+\\}?)?`, "gi");
/** `5 cm`, `12 square feet`: bare units after a number or group. */
const BARE_UNIT_RE = new RegExp(`(?<=[\\d}])\\s*\\b(?:${UNIT_PHRASE})(?:\\^\\s*\\{?\\d+\\}?)?(?![A-Za-z])`, "gi");

/** Read one LaTeX argument at `i` (skipping spaces): a brace group or a single character. */
export function readArg(s: string, i: number): { arg: string; end: number; braced: boolean } | null {
  while (s[i] === " ") i++;
  if (i >= s.length) return null;
  if (s[i] === "{") {
    const g = braceGroup(s, i);
    return g ? { arg: g.content, end: g.end, braced: true } : null;
  }
  if (s[i] === "\\") {
    const m = /^\\(?:[A-Za-z]+|.)/.exec(s.slice(i));
    return { arg: m![0], end: i + m![0].length, braced: false };
  }
  return { arg: s[i]!, end: i + 1, braced: false };
}

/** `\frac12` -> `\frac{1}{2}`, `\frac1{72}` -> `\frac{1}{72}`; `\sqrt3` -> `\sqrt{3}`, `\sqrt[3]8` -> `\sqrt[3]{8}`. */
export function fixFracsAndRoots(s: string): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const m = /^\\(frac|sqrt)(?![A-Za-z])/.exec(s.slice(i));
    if (!m) {
      out += s[i];
      i++;
      continue;
    }
    const cmd = m[1]!;
    let j = i + m[0].length;
    if (cmd === "frac") {
      const a = readArg(s, j);
      const b = a ? readArg(s, a.end) : null;
      if (!a || !b) return s;
      out += `\\frac{${fixFracsAndRoots(a.arg)}}{${fixFracsAndRoots(b.arg)}}`;
      i = b.end;
    } else {
      let index = "";
      while (s[j] === " ") j++;
      if (s[j] === "[") {
        const close = s.indexOf("]", j);
        if (close < 0) return s;
        index = s.slice(j, close + 1);
        j = close + 1;
      }
      const a = readArg(s, j);
      if (!a) return s;
      out += `\\sqrt${index}{${fixFracsAndRoots(a.arg)}}`;
      i = a.end;
    }
  }
  return out;
}

/** Remove a text wrapper around the whole answer: `\text{(C)}` -> `(C)`. */
function unwrapWholeText(s: string): string {
  const m = /^\\(?:text|textbf|textrm|mbox|mathrm|textnormal)\s*\{/.exec(s);
  if (!m) return s;
  const g = braceGroup(s, m[0].length - 1);
  return g && g.end === s.length ? g.content.trim() : s;
}

/** Replace every `\text{...}`-like group by its content. */
function unwrapTextGroups(s: string): string {
  let out = s;
  for (let guard = 0; guard < 20; guard++) {
    const m = /\\(?:text|textbf|textit|textrm|mbox|mathrm|mathbf|textnormal|operatorname)\s*\{/.exec(out);
    if (!m) break;
    const g = braceGroup(out, m.index + m[0].length - 1);
    if (!g) break;
    out = out.slice(0, m.index) + g.content + out.slice(g.end);
  }
  return out;
}

/** Integer-looking literal (`12`, `-3`, `5.000`) as its canonical integer string, else unchanged. */
function canonicalInteger(s: string): string {
  const m = /^(-?)(\d+)(?:\.0*)?$/.exec(s);
  if (!m) return s;
  const digits = m[2]!.replace(/^0+(?=\d)/, "");
  return digits === "0" ? "0" : m[1] + digits;
}

/**
 * Normalise a math answer, keeping single spaces (they end LaTeX commands: `\pi r`), for the
 * symbolic comparison. `compactMath` gives the spaceless form for string comparison.
 */
export function normalizeMath(answer: string): string {
  let s = answer.trim();
  s = unwrapWholeText(s);
  s = s.replace(/\s+/g, " ");
  s = s.replace(/[\u2212\uFE63\uFF0D]/g, "-");
  // `11,\! 111`: a thin negative space after a comma marks a thousands separator.
  s = s.replace(/(\d),\s*\\!\s*(?=\d{3}(?!\d))/g, "$1");
  s = s.replace(/(?<!\\)\\!/g, "");
  s = s.replace(/(?<=\S)\s*(?:\\approx|≈|\\simeq)[\s\S]*$/, "");
  s = s.replace(/\\[dtc]frac(?![A-Za-z])/g, "\\frac");
  s = s.replace(/\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])\s*(\\[{}]|[()[\]|.])?/g, (_m, d: string | undefined) => (d === "." ? "" : (d ?? "")));
  s = s.replace(/\\displaystyle|\\textstyle/g, "");
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree|°/g, "");
  s = s.replace(/\\\$|\$/g, "");
  s = s.replace(TEXT_UNIT_RE, "");
  s = s.replace(/(?<=\S)\s*\\(?:text|mbox)\{ [^{}]*\}$/, ""); // `5\text{ inches}`: Hendrycks' right-hand units
  s = s.replace(BARE_UNIT_RE, "");
  s = s.replace(/\\%|%/g, "");
  s = s.replace(/(?<!\\)\\[,;: ]|\\q?quad|~/g, " ");
  s = s.replace(/\{,\}/g, "");
  // Thousands separators, only in a lone number: in "(5,100)" the comma separates coordinates.
  if (/^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(s.trim())) s = s.replace(/,/g, "");
  s = unwrapTextGroups(s);
  s = s.replace(/\s+/g, " ").trim();
  s = s.replace(/(^|[\s{(,=])\.(\d)/g, "$10.$2");
  s = s.replace(/\.$/, "").trim();
  s = s.replace(/^[A-Za-z]\s*\\in\s*/, ""); // "x \in [-2, 7]"
  s = s.replace(/_\{(\w)\}/g, "_$1");
  // "x = 5", "k=5": a short left-hand side names the unknown and is not part of the answer.
  const sides = s.split("=");
  if (sides.length === 2 && sides[0]!.trim().length <= 2 && sides[1]!.trim() !== "") s = sides[1]!.trim();
  s = fixFracsAndRoots(s);
  // a/b of two integers is written \frac{a}{b}, as in the datasets.
  const slash = /^(-?\d+)\s*\/\s*(\d+)$/.exec(s);
  if (slash) s = `\\frac{${slash[1]}}{${slash[2]}}`;
  if (/^\{[^{}]*\}$/.test(s)) s = s.slice(1, -1);
  // A whole number before a fraction of integers is a mixed number: 6\frac{1}{5} = 6 + 1/5.
  const mixed = /^(-?)(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}$/.exec(s);
  if (mixed) s = `${mixed[1]}(${mixed[2]}+\\frac{${mixed[3]}}{${mixed[4]}})`;
  return canonicalInteger(s.trim());
}

/** The normalised answer without spaces and lower-cased: equal strings are equal answers. */
export function compactMath(answer: string): string {
  return normalizeMath(answer).replace(/\s+/g, "").toLowerCase();
}
