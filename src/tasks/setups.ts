/**
 * Standard prompt setups of the built-in benchmarks, by name (`gsm8k:8shot-cot`), so scores can be
 * compared with published ones: the exemplars and formats of lm-evaluation-harness's `gsm8k_cot`
 * (Wei et al. 2022, 8-shot chain of thought) and `minerva_math` (Lewkowycz et al. 2022, 4-shot).
 * The plain names (`gsm8k`, `math500`) stay the zero-shot prompts.
 */
import type { FewShotExample, PromptSpec } from "./templates.js";

export interface StandardSetup {
  /** The built-in task whose items it asks. */
  base: string;
  description: string;
  prompts: PromptSpec;
}

/** GSM8K's chain-of-thought exemplars (Wei et al. 2022, as lm-evaluation-harness's `gsm8k_cot`). */
export const GSM8K_COT_EXAMPLES: readonly FewShotExample[] = [
  {
    question: "There are 15 trees in the grove. Grove workers will plant trees in the grove today. After they are done, there will be 21 trees. How many trees did the grove workers plant today?",
    answer: "There are 15 trees originally. Then there were 21 trees after some more were planted. So there must have been 21 - 15 = 6. The answer is 6.",
  },
  {
    question: "If there are 3 cars in the parking lot and 2 more cars arrive, how many cars are in the parking lot?",
    answer: "There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5. The answer is 5.",
  },
  {
    question: "Leah had 32 chocolates and her sister had 42. If they ate 35, how many pieces do they have left in total?",
    answer: "Originally, Leah had 32 chocolates. Her sister had 42. So in total they had 32 + 42 = 74. After eating 35, they had 74 - 35 = 39. The answer is 39.",
  },
  {
    question: "Jason had 20 lollipops. He gave Denny some lollipops. Now Jason has 12 lollipops. How many lollipops did Jason give to Denny?",
    answer: "Jason started with 20 lollipops. Then he had 12 after giving some to Denny. So he gave Denny 20 - 12 = 8. The answer is 8.",
  },
  {
    question: "Shawn has five toys. For Christmas, he got two toys each from his mom and dad. How many toys does he have now?",
    answer: "Shawn started with 5 toys. If he got 2 toys each from his mom and dad, then that is 4 more toys. 5 + 4 = 9. The answer is 9.",
  },
  {
    question: "There were nine computers in the server room. Five more computers were installed each day, from monday to thursday. How many computers are now in the server room?",
    answer: "There were originally 9 computers. For each of 4 days, 5 more computers were added. So 5 * 4 = 20 computers were added. 9 + 20 is 29. The answer is 29.",
  },
  {
    question: "Michael had 58 golf balls. On tuesday, he lost 23 golf balls. On wednesday, he lost 2 more. How many golf balls did he have at the end of wednesday?",
    answer: "Michael started with 58 golf balls. After losing 23 on tuesday, he had 58 - 23 = 35. After losing 2 more, he had 35 - 2 = 33 golf balls. The answer is 33.",
  },
  {
    question: "Olivia has $23. She bought five bagels for $3 each. How much money does she have left?",
    answer: "Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she has 23 - 15 dollars left. 23 - 15 is 8. The answer is 8.",
  },
];

/** Minerva's MATH exemplars (Lewkowycz et al. 2022, as lm-evaluation-harness's `minerva_math`). */
export const MINERVA_MATH_EXAMPLES: readonly FewShotExample[] = [
  {
    question: "Find the domain of the expression  $\\frac{\\sqrt{x-2}}{\\sqrt{5-x}}$.}",
    answer:
      "The expressions inside each square root must be non-negative. Therefore, $x-2 \\ge 0$, so $x\\ge2$, and $5 - x \\ge 0$, so $x \\le 5$. Also, the denominator cannot be equal to zero, so $5-x>0$, which gives $x<5$. Therefore, the domain of the expression is $\\boxed{[2,5)}$.\nFinal Answer: The final answer is $[2,5)$. I hope it is correct.",
  },
  {
    question: "If $\\det \\mathbf{A} = 2$ and $\\det \\mathbf{B} = 12,$ then find $\\det (\\mathbf{A} \\mathbf{B}).$",
    answer:
      "We have that $\\det (\\mathbf{A} \\mathbf{B}) = (\\det \\mathbf{A})(\\det \\mathbf{B}) = (2)(12) = \\boxed{24}.$\nFinal Answer: The final answer is $24$. I hope it is correct.",
  },
  {
    question:
      "Terrell usually lifts two 20-pound weights 12 times. If he uses two 15-pound weights instead, how many times must Terrell lift them in order to lift the same total weight?",
    answer:
      "If Terrell lifts two 20-pound weights 12 times, he lifts a total of $2\\cdot 12\\cdot20=480$ pounds of weight.  If he lifts two 15-pound weights instead for $n$ times, he will lift a total of $2\\cdot15\\cdot n=30n$ pounds of weight.  Equating this to 480 pounds, we can solve for $n$:\n\\begin{align*}\n30n&=480\\\\\n\\Rightarrow\\qquad n&=480/30=\\boxed{16}\n\\end{align*}\nFinal Answer: The final answer is $16$. I hope it is correct.",
  },
  {
    question:
      "If the system of equations\n\n\\begin{align*}\n6x-4y&=a,\\\\\n6y-9x &=b.\n\\end{align*}has a solution $(x, y)$ where $x$ and $y$ are both nonzero,\nfind $\\frac{a}{b},$ assuming $b$ is nonzero.",
    answer:
      "If we multiply the first equation by $-\\frac{3}{2}$, we obtain\n\n$$6y-9x=-\\frac{3}{2}a.$$Since we also know that $6y-9x=b$, we have\n\n$$-\\frac{3}{2}a=b\\Rightarrow\\frac{a}{b}=\\boxed{-\\frac{2}{3}}.$$\nFinal Answer: The final answer is $-\\frac{2}{3}$. I hope it is correct.",
  },
];

const gsm8kCot: PromptSpec = {
  // As lm-evaluation-harness asks chat models (few-shot as turns): no system message, "Q: ... A:".
  templates: { assistant: { system: "", user: "Q: {{question}}\nA:" } },
  fewshot: { examples: [...GSM8K_COT_EXAMPLES], roles: ["assistant"], text: "{{question}} {{answer}}" },
};

const minerva: PromptSpec = {
  templates: { assistant: { system: "", user: "Problem:\n{{question}}\n\nSolution:" } },
  fewshot: { examples: [...MINERVA_MATH_EXAMPLES], roles: ["assistant"], text: "{{question}}\n{{answer}}" },
};

export const STANDARD_SETUPS: Readonly<Record<string, StandardSetup>> = Object.freeze({
  "gsm8k:8shot-cot": { base: "gsm8k", description: "GSM8K, 8-shot chain of thought (Wei et al. 2022; lm-evaluation-harness gsm8k_cot)", prompts: gsm8kCot },
  "math500:minerva-4shot": { base: "math500", description: "MATH-500, Minerva 4-shot (Lewkowycz et al. 2022; lm-evaluation-harness minerva_math)", prompts: minerva },
  "math:minerva-4shot": { base: "math", description: "MATH test, Minerva 4-shot (Lewkowycz et al. 2022; lm-evaluation-harness minerva_math)", prompts: minerva },
});

export const STANDARD_SETUP_NAMES: readonly string[] = Object.keys(STANDARD_SETUPS);

export function standardSetup(name: string): StandardSetup | undefined {
  return Object.hasOwn(STANDARD_SETUPS, name) ? STANDARD_SETUPS[name] : undefined;
}
