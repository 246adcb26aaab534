import { describe, expect, it } from "vitest";
import { mathEquivalent } from "../../src/tasks/math/equiv.js";
import { latexToMathjs } from "../../src/tasks/math/latex.js";
import { normalizeMath } from "../../src/tasks/math/normalize.js";
import { gradeMath, gradeNumber } from "../../src/tasks/grade.js";

const same = (gold: string, given: string) => expect(mathEquivalent(gold, given), `${gold} vs ${given}`).toBe(true);
const differ = (gold: string, given: string) => expect(mathEquivalent(gold, given), `${gold} vs ${given}`).toBe(false);

describe("math equivalence", () => {
  it("agrees on one half written three ways, and not on one third", () => {
    same("\\frac{1}{2}", "0.5");
    same("\\frac{1}{2}", "\\dfrac12");
    same("0.5", "\\dfrac12");
    same("\\tfrac{1}{2}", "1/2");
    differ("\\frac{1}{2}", "\\frac{1}{3}");
    differ("0.5", "\\frac{1}{3}");
    differ("\\frac{1}{3}", "0.333333");
  });

  it("compares tuples element-wise and intervals with their brackets", () => {
    same("\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\pi/2)");
    differ("\\left( 3, \\frac{\\pi}{2} \\right)", "(\\frac{\\pi}{2}, 3)");
    differ("(1,2)", "(1,2,3)");
    same("[-2, 7]", "x \\in [-2,7]");
    differ("[1,2)", "(1,2)");
    differ("[1,2)", "[1,2]");
    same("(-\\infty,-2)\\cup(3,\\infty)", "\\left(-\\infty, -2\\right) \\cup \\left(3, \\infty\\right)");
    differ("(-\\infty,-2)\\cup(3,\\infty)", "(-\\infty,-2]\\cup(3,\\infty)");
    same("(5,100)", "(5, 100)");
    differ("(5,100)", "5100");
  });

  it("compares unordered solution lists as multisets", () => {
    same("3, -5", "-5, 3");
    same("\\{1, 2\\}", "2, 1");
    differ("3, -5", "3, 5");
    differ("3, -5", "3");
  });

  it("compares matrices entry by entry", () => {
    same("\\begin{pmatrix} -5/13 \\\\ 12/13 \\end{pmatrix}", "\\begin{bmatrix} -\\frac{5}{13} \\\\ \\frac{12}{13} \\end{bmatrix}");
    differ("\\begin{pmatrix} 31 & 50 \\\\ -18 & -29 \\end{pmatrix}", "\\begin{pmatrix} 31 & 50 \\\\ -18 & -28 \\end{pmatrix}");
  });

  it("handles roots, pi, powers and implicit multiplication", () => {
    same("2\\sqrt{3}", "\\sqrt{12}");
    same("\\sqrt3", "\\sqrt{3}");
    same("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}");
    same("\\sqrt[3]{8}x", "2x");
    same("\\frac{9\\pi}{2}", "4.5\\pi");
    same("x^2+2x+1", "(x+1)^2");
    same("7(x+3) (x-3)", "7(x-3)(x+3)");
    differ("x^2+2x+1", "(x+1)^3");
    differ("\\pi", "3.14159");
    differ("2^{2005}", "2^{2006}");
    same("2^{2005}", "2\\cdot 2^{2004}");
    differ("\\frac{1}{2004!}", "\\frac{2}{2004!}");
    same("3+4i", "4i+3");
  });

  it("strips degrees, dollars, percent, units and text", () => {
    same("30^\\circ", "30");
    same("30^{\\circ}", "30 degrees");
    same("\\$18.90", "18.90");
    same("10\\%", "10");
    same("5\\text{ cm}^2", "5");
    same("864 \\mbox{ inches}^2", "864");
    same("\\$1,\\!000", "1000");
    same("\\text{Monday}", "monday");
    same("\\text{(C)}", "(C)");
    differ("\\text{even}", "\\text{odd}");
    differ("\\text{odd}", "dod");
  });

  it("follows PRM800K on integers, unreduced fractions and mixed numbers", () => {
    same("10", "10.0");
    same("204", "0204");
    differ("2", "\\sqrt{4}");
    differ("2", "2.5");
    differ("\\frac{2}{4}", "\\frac{1}{2}");
    same("6\\frac15", "\\frac{31}{5}");
    same("6\\frac15", "6.2");
  });

  it("drops a short left-hand side and compares equations side by side", () => {
    same("5", "x = 5");
    same("y = 2x+3", "y=3+2x");
    differ("y = 2x+3", "y=2x+4");
  });

  it("never matches an empty or missing answer", () => {
    differ("5", "");
    expect(mathEquivalent("5", null)).toBe(false);
  });
});

describe("normalisation and conversion", () => {
  it("normalises the usual spellings", () => {
    expect(normalizeMath("\\dfrac12")).toBe("\\frac{1}{2}");
    expect(normalizeMath("\\left( 3, \\frac{\\pi}{2} \\right)")).toBe("( 3, \\frac{\\pi}{2} )");
    expect(normalizeMath("k = \\sqrt2")).toBe("\\sqrt{2}");
    expect(normalizeMath("1,000")).toBe("1000");
  });
  it("converts LaTeX to mathjs, or refuses", () => {
    expect(latexToMathjs("\\frac{1}{2}")).toBe("((1) / (2))");
    expect(latexToMathjs("2\\sqrt{3}")).toBe("2 * sqrt(3)");
    expect(latexToMathjs("x^23")).toBe("x ^ 2 * 3");
    expect(latexToMathjs("\\log_2 8")).toBe("log(8, 2)");
    expect(latexToMathjs("\\text{Monday is here}")).toBeNull();
    expect(latexToMathjs("\\unknowncommand{2}")).toBeNull();
  });
});

describe("math and number graders", () => {
  it("grades the last box of an output", () => {
    expect(gradeMath("\\frac{1}{2}", "First \\boxed{3}, then on reflection \\boxed{\\dfrac12}.")).toMatchObject({ correct: true, extracted: "\\dfrac12" });
    expect(gradeMath("\\frac{1}{2}", "The answer is 1/2")).toMatchObject({ correct: true, extracted: "1/2" });
    expect(gradeMath("\\frac{1}{2}", "It is one half, 1/2")).toMatchObject({ correct: false, extracted: null });
  });
  it("grades numbers with a tolerance of 1e-4", () => {
    expect(gradeNumber("18", "so she makes $18.00 a day").correct).toBe(true);
    expect(gradeNumber("0.5", "\\boxed{0.50004}").correct).toBe(true);
    expect(gradeNumber("0.5", "\\boxed{0.5002}").correct).toBe(false);
    expect(gradeNumber("1000", "The answer is 1,000.").correct).toBe(true);
    expect(gradeNumber("18", "The answer is 19").correct).toBe(false);
    expect(gradeNumber("18", "I do not know")).toMatchObject({ correct: false, extracted: null });
  });
});

describe("number tolerance", () => {
  it("is absolute, so large answers are not rounded together", () => {
    expect(gradeNumber("70000", "The answer is 70001").correct).toBe(false);
    expect(gradeNumber("70000", "The answer is 70000.00001").correct).toBe(true);
  });
});
