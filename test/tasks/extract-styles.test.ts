/**
 * Answers as real models write them (Llama, Qwen, DeepSeek-R1, Mistral, Minerva, lm-evaluation-harness
 * prompts), graded as a careful human grader would grade them.
 */
import { describe, expect, it } from "vitest";
import { extractChoice, extractMath, extractNumber, finalBoxed } from "../../src/tasks/extract.js";
import { gradeChoice, gradeMath, gradeNumber } from "../../src/tasks/grade.js";
import { mathEquivalent } from "../../src/tasks/math/equiv.js";

const mathOk = (gold: string, output: string) => expect(gradeMath(gold, output).correct, `${gold} <- ${output}`).toBe(true);
const mathWrong = (gold: string, output: string) => expect(gradeMath(gold, output).correct, `${gold} <- ${output}`).toBe(false);
const numberOk = (gold: string, output: string) => expect(gradeNumber(gold, output).correct, `${gold} <- ${output}`).toBe(true);
const numberWrong = (gold: string, output: string) => expect(gradeNumber(gold, output).correct, `${gold} <- ${output}`).toBe(false);

describe("MATH answers beyond \\boxed{}", () => {
  it("reads the Minerva form 'The final answer is $X$. I hope it is correct.'", () => {
    const out = "We have $x = 14/3$.\nFinal Answer: The final answer is $\\frac{14}{3}$. I hope it is correct.";
    expect(extractMath(out)).toBe("\\frac{14}{3}");
    mathOk("\\frac{14}{3}", out);
    mathOk("6", "Adding gives 6.\nFinal Answer: The final answer is 6. I hope it is correct.");
    mathWrong("7", "Final Answer: The final answer is $6$. I hope it is correct.");
  });

  it("reads 'Answer: X' and 'the answer is X'", () => {
    mathOk("5", "Solving, x = 5.\nAnswer: $x=5$");
    mathOk("\\frac{1}{4}", "So the probability is one quarter.\n\nAnswer: \\(\\frac{1}{4}\\)");
    mathOk("2\\sqrt{2}", "Thus the answer is $2\\sqrt{2}$.");
    mathOk("3", "**Answer:** 3");
  });

  it("takes the last of several boxes, and adjacent boxes as one list where the gold answer is a list", () => {
    expect(extractMath("First try: \\boxed{4}. That is wrong since the sum must be odd. Redoing the count gives \\boxed{5}.")).toBe("5");
    expect(finalBoxed("So $x = \\boxed{-2}$ or $x = \\boxed{1}$.")).toBe("-2, 1");
    expect(finalBoxed("First \\boxed{4}, then after checking \\boxed{5}.")).toBeNull();
    // MATH's own solutions box each root; its gold answer is the last box.
    mathOk("1", "Therefore, the answers are $\\boxed{-2}$ and $\\boxed{1}$.");
    mathWrong("1", "Therefore, the answers are $\\boxed{1}$ and $\\boxed{-2}$.");
    mathOk("-2, 1", "So $x = \\boxed{-2}$ or $x = \\boxed{1}$.");
    mathOk("2, 3", "The roots are $\\boxed{2}$ and $\\boxed{3}$.");
  });

  it("drops an approximation after the exact answer", () => {
    expect(extractMath("\\boxed{\\frac{13}{18} \\approx 0.722}")).toBe("\\frac{13}{18}");
    mathOk("\\frac{13}{18}", "The probability is $\\boxed{\\frac{13}{18} \\approx 0.722}$.");
    mathOk("\\frac{13}{18}", "The probability is $\\boxed{\\frac{13}{18}} \\approx 0.722$.");
    numberOk("0.5", "\\boxed{\\frac{1}{2} \\approx 0.5}");
  });

  it("reads thousands separators written 11,\\! 111 in gold answers", () => {
    mathOk("11,\\! 111", "\\boxed{11111}");
    mathOk("11,\\! 111", "\\boxed{11,111}");
    mathOk("10,\\!080", "The answer is $\\boxed{10080}$.");
    mathWrong("11,\\! 111", "\\boxed{111}");
  });

  it("treats 'x=-2 or x=1' and '-2, 1' as the same solutions", () => {
    expect(mathEquivalent("x=-2 \\text{ or } x=1", "-2, 1")).toBe(true);
    expect(mathEquivalent("-2, 1", "x=-2 \\text{ or } x=1")).toBe(true);
    expect(mathEquivalent("-2, 1", "x = 1 \\text{ and } x = -2")).toBe(true);
    expect(mathEquivalent("x=-2 \\text{ or } x=1", "-2, 2")).toBe(false);
  });

  it("keeps the sign of a Unicode minus", () => {
    mathOk("-5", "\\boxed{−5}");
    mathWrong("5", "\\boxed{−5}");
    mathOk("-\\frac{1}{2}", "Final Answer: The final answer is $−\\frac{1}{2}$. I hope it is correct.");
  });

  it("reads Qwen, Llama and DeepSeek-R1 styles", () => {
    mathOk("\\frac{\\sqrt{3}}{2}", "Therefore, the final answer is \\(\\boxed{\\dfrac{\\sqrt{3}}{2}}\\).");
    mathOk("\\left( 3, \\frac{\\pi}{2} \\right)", "**Final Answer**\n\n\\[\n\\boxed{\\left(3, \\frac{\\pi}{2}\\right)}\n\\]");
    mathOk("12", "## Step 3: Add\n12.\n\nThe final answer is: $\\boxed{12}$");
    const r1 = "<think>\nMaybe \\boxed{10}? No, recount: 12.\n</think>\n\nThe area is $\\boxed{12}$.";
    mathOk("12", r1);
    mathWrong("10", r1);
  });

  it("reads a few more spellings models use", () => {
    mathOk("\\frac{3}{4}", "**Final Answer**: $\\boxed{\\dfrac{3}{4}}$");
    mathOk("(1, 2)", "The intersection point is $\\boxed{(1,2)}$");
    mathOk("10\\sqrt{2}", "Thus the length is $\\boxed{10 \\sqrt 2}$ units.");
    mathOk("x^2+2x+1", "The final answer is $\\boxed{(x+1)^2}$");
    mathOk("\\text{(C)}", "The answer is $\\boxed{\\text{(C)}}$");
    mathOk("90^\\circ", "So the angle is \\boxed{90^{\\circ}}.");
    mathWrong("\\frac{3}{4}", "**Final Answer**: $\\boxed{\\dfrac{4}{3}}$");
  });

  it("finds no answer in working without a final answer, and says so", () => {
    const g = gradeMath("12", "Let me compute the area: it is 3 times 4, which is 12 square units");
    expect(g).toMatchObject({ correct: false, extracted: null, reason: "no final answer found" });
    expect(extractMath("The final answer is to be found by recounting.")).toBeNull();
  });
});

describe("GSM8K answers", () => {
  it("reads the formats of common models", () => {
    numberOk("18", "Janet sells 16 - 3 - 4 = 9 eggs.\nShe makes 9 * 2 = 18 dollars.\n\nThe final answer is: $\\boxed{18}$");
    numberOk("18", "Therefore, Janet makes \\(\\boxed{18}\\) dollars every day at the farmers' market.");
    numberOk("18", "16 - 3 - 4 = 9. 9 * 2 = 18. The answer is 18.");
    numberOk("18", "9 * 2 = 18\n#### 18");
    numberOk("18", "She makes $18.\nFinal Answer: The final answer is 18. I hope it is correct.");
    numberOk("1080", "The answer is: **1,080**");
    numberOk("1080", "$\\boxed{1,\\!080}$");
    numberOk("15.5", "**Answer:** $15.50");
    numberOk("3", "It takes 6 / 2 = 3 hours. Therefore, the answer is 3 hours.");
    numberOk("70", "So 70% of the students passed. Answer: 70%");
  });

  it("prefers the stated answer over later numbers", () => {
    numberOk("18", "The answer is 18.\n\nCheck: 9 eggs at $2 each, 2 more than 16.");
    numberWrong("2", "The answer is 18.\n\nCheck: 9 eggs at $2 each.");
  });

  it("reads past a reasoning model's <think> block, and finds nothing in one cut off while thinking", () => {
    const out = "<think>\nIs it \\boxed{20}? 16-3-4 = 9, 9*2 = 18.\n</think>\n\nJanet makes **$18** a day.";
    expect(extractNumber(out)).toBe("18");
    expect(gradeNumber("18", "<think>\nOkay, 16 - 3 - 4 = 9 eggs, and 9 * 2 = 18, but wait, maybe")).toMatchObject({ correct: false, extracted: null });
  });

  it("reads Gemma, Phi and Mistral endings", () => {
    numberOk("12", "**Step 2:** 3 * 4 = 12\n\n**Final Answer:** The final answer is 12");
    numberOk("12", "Answer: $\\boxed{12}$");
    numberOk("2.5", "So each friend gets 2.5 pizzas.\n\nThe answer is 2.5.");
    numberOk("1000000", "That is one million: 1,000,000 dollars.");
    numberWrong("12", "There were 12 at first; now there are 15 left.");
  });

  it("keeps the sign of a Unicode minus (−5 is not 5)", () => {
    expect(extractNumber("The temperature ends at −5 degrees.")).toBe("-5");
    numberOk("-5", "The answer is −5.");
    numberWrong("5", "The answer is −5.");
    numberWrong("5", "\\boxed{−5}");
    expect(extractNumber("from 3–5 people")).toBe("5");
  });

  it("counts an output with no number as no answer", () => {
    expect(gradeNumber("18", "I cannot tell from the question.")).toMatchObject({ correct: false, extracted: null });
  });
});

describe("multiple choice: the model's final answer", () => {
  const kidney = ["Loop of Henle", "Glomerulus", "Collecting duct", "Ureter"];
  const item = (answer: string) => ({ id: "1", question: "Where is blood filtered?", answer, choices: kidney });

  it("does not take an option the model rejects", () => {
    const out = "(B) Glomerulus. The other choices: (C) the collecting duct concentrates urine, (D) the ureter carries it.";
    expect(extractChoice(out, kidney)).toBe("B");
    expect(extractChoice("I choose (C). (A) is wrong because it reabsorbs water, and (D) is not part of the nephron.", kidney)).toBe("C");
    expect(extractChoice("(A) is incorrect. (C) is wrong too. So (B) is the correct one.", kidney)).toBe("B");
  });

  it("reads lower-case letters", () => {
    expect(extractChoice("answer: c", kidney)).toBe("C");
    expect(extractChoice("The answer is (b).", kidney)).toBe("B");
    expect(extractChoice("the correct option is d.", kidney)).toBe("D");
  });

  it("never reads the article 'a' as option A", () => {
    expect(extractChoice("This is a tricky one. The answer is a structure called the glomerulus (B).", kidney)).toBe("B");
    expect(extractChoice("The answer is a hard call.", kidney)).toBeNull();
    expect(gradeChoice(item("A"), "Answer: a structure in the kidney")).toMatchObject({ correct: false });
    expect(extractChoice("Answer: A", kidney)).toBe("A");
  });

  it("reads an answer given as the option's text", () => {
    expect(extractChoice("Filtration happens in the renal corpuscle.\nAnswer: Glomerulus", kidney)).toBe("B");
    expect(extractChoice("The answer is the collecting duct.", kidney)).toBeNull();
    expect(extractChoice("The answer is Collecting duct.", kidney)).toBe("C");
    expect(gradeChoice(item("B"), "It is filtered in the\nGlomerulus")).toMatchObject({ correct: true, extracted: "B" });
  });

  it("reads lm-evaluation-harness, Llama, Qwen and DeepSeek-R1 styles", () => {
    expect(extractChoice("Blood is filtered in the glomerulus.\nThe best answer is B.", kidney)).toBe("B");
    expect(extractChoice("Let's think step by step. ... The answer is (B).", kidney)).toBe("B");
    expect(extractChoice("**Answer: B) Glomerulus**", kidney)).toBe("B");
    expect(extractChoice("<think>Maybe (A)? No.</think>\nThe answer is $\\boxed{B}$", kidney)).toBe("B");
    expect(gradeChoice(item("B"), "<think>Maybe (A)? Answer: A. No.</think>\nB")).toMatchObject({ correct: true });
    expect(extractChoice("Let's evaluate each option:\n\nA) Loop of Henle - reabsorbs water.\nB) Glomerulus - filters blood.\n\nThe correct answer is B) Glomerulus.", kidney)).toBe("B");
    expect(extractChoice("Final answer: (D)", kidney)).toBe("D");
    expect(extractChoice("I'd go with C.\n\nAnswer: C", kidney)).toBe("C");
    expect(extractChoice("Options A and C are wrong, D is unrelated.\nThe answer is B.", kidney)).toBe("B");
  });
});
