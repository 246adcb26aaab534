/**
 * Are two math answers the same? The rules follow PRM800K's grader: equal after normalisation;
 * tuples and intervals element by element (brackets must agree); unordered lists and sets as
 * multisets; then a symbolic check with mathjs, where both sides are evaluated exactly as numbers
 * or, with free variables, at fixed sample points. Like PRM800K, an integer answer must be matched by
 * an integer (not `\sqrt{4}`) and a fraction of integers by the same fraction (not an unreduced one).
 */
import { createRequire } from "node:module";
import type * as MathJs from "mathjs";
import type { Complex, EvalFunction, MathJsInstance } from "mathjs";
import { normalizeMath } from "./normalize.js";
import { freeVariables, latexToMathjs } from "./latex.js";

const OPEN = "([";
const CLOSE = ")]";

/** Split at top-level occurrences of `sep` (outside any brackets or braces). */
export function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && s.startsWith(sep, i) === false) {
      // `\{` and `\}` are set braces: they nest like brackets.
      if (s[i + 1] === "{") depth++;
      else if (s[i + 1] === "}") depth--;
      i++;
      continue;
    }
    if (depth === 0 && s.startsWith(sep, i)) {
      parts.push(s.slice(start, i));
      i += sep.length - 1;
      start = i + 1;
      continue;
    }
    if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") depth--;
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim());
}

/** True when the bracket at 0 closes at the very end (so `(1,2)` but not `(1)+(2)`). */
function wrapsWhole(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\") {
      i++;
      continue;
    }
    if (OPEN.includes(c) || c === "{") depth++;
    else if (CLOSE.includes(c) || c === "}") {
      depth--;
      if (depth === 0 && i < s.length - 1) return false;
    }
  }
  return depth === 0;
}

type Shape =
  | { kind: "union"; parts: string[] }
  | { kind: "tuple"; open: string; close: string; elems: string[] }
  | { kind: "set"; elems: string[] }
  | { kind: "matrix"; rows: string[][] }
  | { kind: "atom"; value: string };

function shape(s: string): Shape {
  const matrix = /^\\begin\{([pbBvV]?matrix)\}([\s\S]*)\\end\{\1\}$/.exec(s);
  if (matrix) {
    const rows = splitTopLevel(matrix[2]!, "\\\\").filter((r) => r !== "");
    return { kind: "matrix", rows: rows.map((r) => splitTopLevel(r, "&")) };
  }
  const union = splitTopLevel(s, "\\cup");
  if (union.length > 1) return { kind: "union", parts: union };
  if (s.length >= 2 && OPEN.includes(s[0]!) && CLOSE.includes(s[s.length - 1]!) && wrapsWhole(s)) {
    const elems = splitTopLevel(s.slice(1, -1), ",");
    if (elems.length > 1) return { kind: "tuple", open: s[0]!, close: s[s.length - 1]!, elems };
  }
  if (s.startsWith("\\{") && s.endsWith("\\}")) return { kind: "set", elems: splitTopLevel(s.slice(2, -2), ",") };
  const list = splitTopLevel(s, ",").flatMap((e) => alternatives(e));
  if (list.length > 1) return { kind: "set", elems: list };
  return { kind: "atom", value: s };
}

/** `x=-2 or x=1`, `2 and 3`: the solutions a sentence lists, as list elements. */
function alternatives(s: string): string[] {
  return splitTopLevel(s, " or ").flatMap((p) => splitTopLevel(p, " and ")).filter((p) => p !== "");
}

/** True when `given` is the same math answer as `gold`. */
export function mathEquivalent(gold: string, given: string | null | undefined): boolean {
  if (given === null || given === undefined) return false;
  const g = normalizeMath(gold);
  const a = normalizeMath(given);
  if (a === "") return false;
  if (compact(g) === compact(a)) return true;
  return sameShape(shape(g), shape(a));
}

function compact(s: string): string {
  return s.replace(/\s+/g, "").toLowerCase();
}

function sameShape(g: Shape, a: Shape): boolean {
  if (g.kind === "union") {
    if (a.kind !== "union" || a.parts.length !== g.parts.length) return false;
    return g.parts.every((p, i) => sameShape(shape(p), shape(a.parts[i]!)));
  }
  if (g.kind === "matrix") {
    if (a.kind !== "matrix" || a.rows.length !== g.rows.length) return false;
    return g.rows.every((row, i) => row.length === a.rows[i]!.length && row.every((e, j) => elementEqual(e, a.rows[i]![j]!)));
  }
  if (g.kind === "tuple") {
    if (a.kind !== "tuple" || a.open !== g.open || a.close !== g.close || a.elems.length !== g.elems.length) return false;
    return g.elems.every((e, i) => elementEqual(e, a.elems[i]!));
  }
  if (g.kind === "set") {
    const elems = a.kind === "set" ? a.elems : a.kind === "atom" ? [a.value] : null;
    if (!elems || elems.length !== g.elems.length) return false;
    // Multiset match: each gold element takes a distinct equal answer element.
    const used = new Set<number>();
    return g.elems.every((e) => {
      const k = elems.findIndex((x, i) => !used.has(i) && elementEqual(e, x));
      if (k < 0) return false;
      used.add(k);
      return true;
    });
  }
  if (a.kind !== "atom") return false;
  return elementEqual(g.value, a.value);
}

const INT_RE = /^-?\d+$/;

/** `\frac{3}{4}`, `-\frac{3}{4}`, `\frac{-3}{4}`, `3/4` as [numerator, denominator], else null. */
function integerFraction(s: string): [bigint, bigint] | null {
  const t = s.replace(/\s+/g, "");
  const m = /^(-?)\\frac\{(-?\d+)\}\{(-?\d+)\}$/.exec(t) ?? /^(-?)\(?(-?\d+)\)?\/\(?(-?\d+)\)?$/.exec(t);
  if (!m) return null;
  let num = BigInt(m[2]!);
  let den = BigInt(m[3]!);
  if (m[1] === "-") num = -num;
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  return den === 0n ? null : [num, den];
}

/** Equality of two single answers (no top-level lists). */
export function elementEqual(goldRaw: string, givenRaw: string): boolean {
  const gold = normalizeMath(goldRaw);
  const given = normalizeMath(givenRaw);
  if (compact(gold) === compact(given)) return true;
  if (given === "") return false;
  // Equations: compare the two sides.
  const gs = splitTopLevel(gold, "=");
  const as = splitTopLevel(given, "=");
  if (gs.length === 2 && as.length === 2) return elementEqual(gs[0]!, as[0]!) && elementEqual(gs[1]!, as[1]!);
  if (gs.length > 1 || as.length > 1) return false;
  if (INT_RE.test(gold) !== INT_RE.test(given)) return false;
  const gf = integerFraction(gold);
  const af = integerFraction(given);
  if (gf && af) return gf[0] === af[0] && gf[1] === af[1];
  // Words are compared as words: "odd" is not "dod".
  if (/^[A-Za-z]{3,}$/.test(gold) || /^[A-Za-z]{3,}$/.test(given)) return false;
  return symbolicEqual(gold, given);
}

/** Points at which expressions with free variables are compared: irregular, so coincidences are unlikely. */
const SAMPLES = [0.5772156649, 1.3247179572, -0.7071067812, 2.7182818285, 0.3183098862, -1.6180339887, 3.1415926536];
const MAX_VARIABLES = 3;

/**
 * mathjs takes seconds to load on a slow machine, so it is required on first use (synchronously,
 * through its CommonJS build) rather than imported by every command that touches a task.
 */
let mathjs: { math: MathJsInstance; big: MathJsInstance } | undefined;
function lib(): { math: MathJsInstance; big: MathJsInstance } {
  if (!mathjs) {
    const m = createRequire(import.meta.url)("mathjs") as typeof MathJs;
    // The second instance computes with 64-digit decimals, for values beyond double precision (2^{2005}, 1/2004!).
    mathjs = { math: m.create(m.all, {}), big: m.create(m.all, { number: "BigNumber", precision: 64 }) };
  }
  return mathjs;
}

type Value = { re: number; im: number };

function asValue(x: unknown): Value | null {
  if (typeof x === "number") return { re: x, im: 0 };
  if (x && typeof x === "object" && "re" in x && "im" in x) {
    const c = x as Complex;
    return { re: c.re, im: c.im };
  }
  return null;
}

function close(a: Value, b: Value): boolean {
  const scale = Math.max(1, Math.hypot(a.re, a.im), Math.hypot(b.re, b.im));
  return Math.hypot(a.re - b.re, a.im - b.im) <= 1e-9 * scale;
}

/** Too large, too small (or zero, perhaps by underflow) or not finite for doubles to tell apart. */
function extreme(v: Value): boolean {
  const m = Math.hypot(v.re, v.im);
  return !Number.isFinite(m) || m > 1e15 || m < 1e-12;
}

function scopeAt(vars: readonly string[], p: number): Record<string, number> {
  const scope: Record<string, number> = {};
  vars.forEach((v, k) => (scope[v] = SAMPLES[(p + 3 * k) % SAMPLES.length]! + k * 0.1));
  return scope;
}

/** Compare at one point with 64-digit decimals: relative 1e-40, or absolute 1e-50 against an exact zero. */
function bigEqualAt(g: string, a: string, scope: Record<string, number>): boolean {
  const { big } = lib();
  try {
    const s = Object.fromEntries(Object.entries(scope).map(([k, v]) => [k, big.bignumber(v)]));
    const vg = big.evaluate(g, { ...s });
    const va = big.evaluate(a, { ...s });
    if (!big.isBigNumber(vg) || !big.isBigNumber(va) || !vg.isFinite() || !va.isFinite()) return false;
    const diff = vg.minus(va).abs();
    if (vg.isZero() || va.isZero()) return diff.lte(1e-50);
    return diff.lte(big.max(vg.abs(), va.abs()).times(1e-40));
  } catch {
    return false;
  }
}

/** Symbolic equality through mathjs: numeric with no variables, else at sample points. */
export function symbolicEqual(goldLatex: string, givenLatex: string): boolean {
  const g = latexToMathjs(goldLatex);
  const a = latexToMathjs(givenLatex);
  if (!g || !a) return false;
  const vars = [...new Set([...freeVariables(g), ...freeVariables(a)])];
  if (vars.length > MAX_VARIABLES) return false;
  let fg: EvalFunction;
  let fa: EvalFunction;
  try {
    const { math } = lib();
    fg = math.compile(g);
    fa = math.compile(a);
  } catch {
    return false;
  }
  const points = vars.length === 0 ? 1 : SAMPLES.length;
  let compared = 0;
  for (let p = 0; p < points; p++) {
    const scope = scopeAt(vars, p);
    let vg: Value | null;
    let va: Value | null;
    try {
      vg = asValue(fg.evaluate({ ...scope }));
      va = asValue(fa.evaluate({ ...scope }));
    } catch {
      return false;
    }
    if (!vg || !va) return false;
    if (Number.isNaN(vg.re) || Number.isNaN(va.re)) {
      if (Number.isNaN(vg.re) !== Number.isNaN(va.re)) return false;
      continue;
    }
    if (extreme(vg) || extreme(va)) {
      if (!bigEqualAt(g, a, scope)) return false;
    } else if (!close(vg, va)) return false;
    compared++;
  }
  return compared > 0;
}
