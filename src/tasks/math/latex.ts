/**
 * LaTeX (as models and MATH write final answers) to a mathjs expression string. The converter
 * rebuilds the expression from a closed set of tokens (numbers, single-letter symbols, known
 * functions and constants, operators), so nothing from the answer reaches mathjs verbatim; anything
 * it does not understand makes it return null and the caller falls back to string comparison.
 */
import { readArg } from "./normalize.js";

type Token =
  | { t: "num"; v: string }
  | { t: "sym"; v: string }
  | { t: "func"; v: string }
  | { t: "op"; v: string }
  | { t: "post"; v: string }
  | { t: "lp" }
  | { t: "rp" }
  | { t: "comma" };

class Unsupported extends Error {}

const FUNCTIONS: Record<string, string> = {
  sin: "sin",
  cos: "cos",
  tan: "tan",
  sec: "sec",
  csc: "csc",
  cot: "cot",
  arcsin: "asin",
  arccos: "acos",
  arctan: "atan",
  sinh: "sinh",
  cosh: "cosh",
  tanh: "tanh",
  ln: "log",
  exp: "exp",
};

const CONSTANTS: Record<string, string> = { pi: "pi", infty: "Infinity", infinity: "Infinity" };
const SKIP = new Set(["left", "right", "displaystyle", "textstyle", "big", "Big", "bigg", "Bigg", ",", ";", ":", "!", " ", "quad", "qquad", "%", "$"]);
const TEXT = new Set(["text", "textbf", "textit", "textrm", "mbox", "mathrm", "mathbf", "textnormal", "operatorname"]);

function tokenize(s: string, out: Token[]): void {
  let i = 0;
  const sub = (text: string) => {
    out.push({ t: "lp" });
    tokenize(text, out);
    out.push({ t: "rp" });
  };
  /** A function's argument: a bracketed group as written, else the next number or atom. */
  const fnArg = (): string => {
    while (s[i] === " ") i++;
    if (s[i] === "(" || s[i] === "{" || s[i] === "[") {
      const close = matchingClose(s, i);
      const arg = s.slice(i + 1, close);
      i = close + 1;
      return arg;
    }
    const num = /^\d+(?:\.\d+)?/.exec(s.slice(i));
    if (num) {
      i += num[0].length;
      return num[0];
    }
    const a = readArg(s, i);
    if (!a) throw new Unsupported("function without argument");
    i = a.end;
    return a.arg;
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === " ") {
      i++;
      continue;
    }
    const num = /^(?:\d+(?:\.\d+)?|\.\d+)/.exec(s.slice(i));
    if (num) {
      out.push({ t: "num", v: num[0] });
      i += num[0].length;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      out.push({ t: "sym", v: c });
      i++;
      continue;
    }
    if (c === "\\") {
      const m = /^\\([A-Za-z]+|.)/.exec(s.slice(i));
      if (!m) throw new Unsupported("lone backslash");
      const name = m[1]!;
      i += m[0].length;
      if (SKIP.has(name)) continue;
      if (name === "frac") {
        const a = readArg(s, i);
        const b = a ? readArg(s, a.end) : null;
        if (!a || !b) throw new Unsupported("\\frac needs two arguments");
        out.push({ t: "lp" });
        sub(a.arg);
        out.push({ t: "op", v: "/" });
        sub(b.arg);
        out.push({ t: "rp" });
        i = b.end;
        continue;
      }
      if (name === "sqrt") {
        while (s[i] === " ") i++;
        let index: string | null = null;
        if (s[i] === "[") {
          const close = s.indexOf("]", i);
          if (close < 0) throw new Unsupported("unclosed root index");
          index = s.slice(i + 1, close);
          i = close + 1;
        }
        const a = readArg(s, i);
        if (!a) throw new Unsupported("\\sqrt needs an argument");
        out.push({ t: "func", v: index === null ? "sqrt" : "nthRoot" }, { t: "lp" });
        tokenize(a.arg, out);
        if (index !== null) {
          out.push({ t: "comma" });
          tokenize(index, out);
        }
        out.push({ t: "rp" });
        i = a.end;
        continue;
      }
      if (name === "log") {
        let base: string | null = null;
        if (s[i] === "_") {
          const b = readArg(s, i + 1);
          if (!b) throw new Unsupported("log base");
          base = b.arg;
          i = b.end;
        }
        if (s[i] === "^") throw new Unsupported("powers of functions");
        out.push({ t: "func", v: base === null ? "log10" : "log" }, { t: "lp" });
        tokenize(fnArg(), out);
        if (base !== null) {
          out.push({ t: "comma" });
          tokenize(base, out);
        }
        out.push({ t: "rp" });
        continue;
      }
      if (FUNCTIONS[name]) {
        if (s[i] === "^") throw new Unsupported("powers of functions");
        out.push({ t: "func", v: FUNCTIONS[name]! });
        sub(fnArg());
        continue;
      }
      if (CONSTANTS[name]) {
        out.push({ t: "sym", v: CONSTANTS[name]! });
        continue;
      }
      if (name === "cdot" || name === "times" || name === "ast") {
        out.push({ t: "op", v: "*" });
        continue;
      }
      if (name === "div") {
        out.push({ t: "op", v: "/" });
        continue;
      }
      if (name === "lfloor" || name === "lceil") {
        out.push({ t: "func", v: name === "lfloor" ? "floor" : "ceil" }, { t: "lp" });
        continue;
      }
      if (name === "rfloor" || name === "rceil") {
        out.push({ t: "rp" });
        continue;
      }
      if (TEXT.has(name)) {
        const a = readArg(s, i);
        if (!a) throw new Unsupported("text without argument");
        // Words are not math; a number or a single letter in a text group is.
        if (!/^\s*(?:-?\d+(?:\.\d+)?|[A-Za-z])\s*$/.test(a.arg)) throw new Unsupported("text in expression");
        tokenize(a.arg, out);
        i = a.end;
        continue;
      }
      throw new Unsupported(`\\${name}`);
    }
    if (c === "{" || c === "(" || c === "[") {
      const close = matchingClose(s, i);
      sub(s.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    if (c === "^") {
      out.push({ t: "op", v: "^" });
      i++;
      while (s[i] === " ") i++;
      // LaTeX takes one character as the exponent: x^23 is x^2 * 3.
      if (s[i] !== undefined && /[0-9A-Za-z]/.test(s[i]!)) {
        out.push(/\d/.test(s[i]!) ? { t: "num", v: s[i]! } : { t: "sym", v: s[i]! });
        i++;
      }
      continue;
    }
    if (c === "_") {
      const prev = out[out.length - 1];
      const a = readArg(s, i + 1);
      if (!prev || prev.t !== "sym" || prev.v.length !== 1 || !a || !/^[A-Za-z0-9]+$/.test(a.arg)) throw new Unsupported("subscript");
      prev.v = `${prev.v}_${a.arg}`;
      i = a.end;
      continue;
    }
    if (c === "+" || c === "-" || c === "*" || c === "/") {
      out.push({ t: "op", v: c });
      i++;
      continue;
    }
    if (c === "!") {
      out.push({ t: "post", v: "!" });
      i++;
      continue;
    }
    if (c === ",") {
      out.push({ t: "comma" });
      i++;
      continue;
    }
    throw new Unsupported(`character ${c}`);
  }
}

/** Index of the bracket closing the one at `open` (any of `{([` closed by any of `})]`). */
function matchingClose(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Unsupported("unbalanced brackets");
}

const ENDS_ATOM = new Set(["num", "sym", "rp", "post"]);
const STARTS_ATOM = new Set(["num", "sym", "lp", "func"]);

function render(tokens: Token[]): string {
  let out = "";
  let depth = 0;
  let prev: Token | undefined;
  for (const tok of tokens) {
    if (prev && ENDS_ATOM.has(prev.t) && STARTS_ATOM.has(tok.t)) out += " * ";
    switch (tok.t) {
      case "num":
      case "sym":
      case "func":
        out += tok.v;
        break;
      case "op":
        out += ` ${tok.v} `;
        break;
      case "post":
        out += tok.v;
        break;
      case "lp":
        depth++;
        out += "(";
        break;
      case "rp":
        depth--;
        if (depth < 0) throw new Unsupported("unbalanced parentheses");
        out += ")";
        break;
      case "comma":
        // Commas only separate function arguments; lists are split before conversion.
        if (depth === 0) throw new Unsupported("top-level comma");
        out += ", ";
        break;
    }
    prev = tok;
  }
  if (depth !== 0) throw new Unsupported("unbalanced parentheses");
  return out.trim();
}

/** The mathjs expression for a (normalised) LaTeX answer, or null when it is not a plain expression. */
export function latexToMathjs(latex: string): string | null {
  try {
    const tokens: Token[] = [];
    tokenize(latex, tokens);
    if (tokens.length === 0) return null;
    return render(tokens);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
}

/** Distinct free variables of a converted expression (single letters, possibly subscripted). */
export function freeVariables(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b([A-Za-z](?:_[A-Za-z0-9]+)?)\b(?!\s*\()/g)) {
    const v = m[1]!;
    if (v !== "e" && v !== "i") names.add(v);
  }
  return [...names].sort();
}
