import { describe, expect, it } from "vitest";
import {
  extractAnswer,
  extractChoice,
  extractCode,
  extractMath,
  extractNumber,
  extractShort,
  extractYesNo,
  lastBoxed,
  parseNumber,
} from "../../src/tasks/extract.js";

describe("lastBoxed", () => {
  it("takes the last box, with nested braces", () => {
    expect(lastBoxed("first \\boxed{1} then \\boxed{\\frac{1}{2}}.")).toBe("\\frac{1}{2}");
    expect(lastBoxed("$\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}$")).toBe("\\left( 3, \\frac{\\pi}{2} \\right)");
    expect(lastBoxed("\\boxed{\\text{(C)}}")).toBe("\\text{(C)}");
  });
  it("reads \\fbox and the brace-less form", () => {
    expect(lastBoxed("so \\fbox{42} is it")).toBe("42");
    expect(lastBoxed("so $\\boxed 7$.")).toBe("7");
  });
  it("returns null without a box or with an unclosed one", () => {
    expect(lastBoxed("The answer is 5.")).toBeNull();
    expect(lastBoxed("\\boxed{1 + {2}")).toBeNull();
  });
});

describe("extractMath", () => {
  it("is the last boxed content, or null", () => {
    expect(extractMath("We get \\boxed{2} and finally \\boxed{x^2+1}")).toBe("x^2+1");
    expect(extractMath("no box here: 5")).toBeNull();
    expect(extractMath("\\boxed{}")).toBeNull();
  });
});

describe("extractNumber", () => {
  it("prefers a boxed number", () => {
    expect(extractNumber("It costs 12 dollars... so \\boxed{18} in total, not 20")).toBe("18");
    expect(extractNumber("\\boxed{\\$1,000.}")).toBe("1000");
    expect(extractNumber("\\boxed{\\frac{3}{4}}")).toBe("0.75");
    expect(extractNumber("\\boxed{18 \\text{ dollars}}")).toBe("18");
  });
  it("then 'The answer is N' and '#### N'", () => {
    expect(extractNumber("The answer is $1,234.50. Then 7 more words with 9")).toBe("1234.5");
    expect(extractNumber("16 - 3 - 4 = 9 eggs; 9 * 2 = 18\n#### 18")).toBe("18");
  });
  it("else the last number, stripping commas, dollars and a trailing period", () => {
    expect(extractNumber("She has 3 apples and buys 2,500 more.")).toBe("2500");
    expect(extractNumber("Total: $42.")).toBe("42");
    expect(extractNumber("It is -5 degrees")).toBe("-5");
    expect(extractNumber("from 3-5 people")).toBe("5");
    expect(extractNumber("no digits at all")).toBeNull();
  });
  it("parses written numbers", () => {
    expect(parseNumber("$1,000")).toBe(1000);
    expect(parseNumber("12.")).toBe(12);
    expect(parseNumber(".5")).toBe(0.5);
    expect(parseNumber("50%")).toBe(50);
    expect(parseNumber("1,2")).toBeNull();
    expect(parseNumber("abc")).toBeNull();
  });
});

describe("extractChoice", () => {
  const choices = ["red", "green", "blue", "yellow"];
  it("reads 'Answer: X', the last one winning", () => {
    expect(extractChoice("Answer: A\n...on reflection...\nAnswer: C", choices)).toBe("C");
    expect(extractChoice("**Answer:** (b)", choices)).toBe("B");
    expect(extractChoice("The answer is (D).", choices)).toBe("D");
    expect(extractChoice("The answer is B because", choices)).toBe("B");
    expect(extractChoice("Answer is (c)", choices)).toBe("C");
  });
  it("reads boxed letters, parenthesised letters and a final letter", () => {
    expect(extractChoice("so \\boxed{C}", choices)).toBe("C");
    expect(extractChoice("I pick (B) over (A)? No: (D)", choices)).toBe("D");
    expect(extractChoice("Reasoning...\nB", choices)).toBe("B");
    expect(extractChoice("C.", choices)).toBe("C");
  });
  it("maps an option's text to its letter", () => {
    expect(extractChoice("blue", choices)).toBe("C");
  });
  it("ignores letters outside the options and prose", () => {
    expect(extractChoice("Answer: F", choices)).toBeNull();
    expect(extractChoice("I think a good answer is hard to find", choices)).toBeNull();
  });
});

describe("extractYesNo", () => {
  it("reads the answer line, boxes, the last line and the first word", () => {
    expect(extractYesNo("Yes, at first. But no.\nAnswer: no")).toBe("no");
    expect(extractYesNo("\\boxed{\\text{Yes}}")).toBe("yes");
    expect(extractYesNo("Reasoning here.\nYes.")).toBe("yes");
    expect(extractYesNo("No. Because it is not.")).toBe("no");
    expect(extractYesNo("Answer: True")).toBe("yes");
    expect(extractYesNo("I would say no, it cannot")).toBe("no");
    expect(extractYesNo("unclear")).toBeNull();
  });
});

describe("extractShort", () => {
  it("reads the last Answer line, else a box, else the last line", () => {
    expect(extractShort("Thinking\nAnswer: Paris\nmore")).toBe("Paris");
    expect(extractShort("it is \\boxed{\\text{Lyon}}")).toBe("Lyon");
    expect(extractShort("line one\nBerlin")).toBe("Berlin");
    expect(extractShort("   ")).toBeNull();
  });
});

describe("extractCode", () => {
  it("takes the first python block", () => {
    const text = "Here:\n```python\ndef f(x):\n    return x\n```\nand a test\n```python\nprint(f(1))\n```";
    expect(extractCode(text)).toBe("def f(x):\n    return x\n");
  });
  it("prefers the block that defines the entry point", () => {
    const text = "```python\nimport math\n```\n```python\ndef g(x):\n    return 2\n```";
    expect(extractCode(text, "g")).toBe("def g(x):\n    return 2\n");
  });
  it("accepts an unclosed block and falls back to the raw text", () => {
    expect(extractCode("```python\ndef f():\n    return 1\n")).toBe("def f():\n    return 1\n");
    expect(extractCode("def f():\n    return 1")).toBe("def f():\n    return 1");
    expect(extractCode("")).toBeNull();
  });
  it("ignores blocks in other languages", () => {
    expect(extractCode("```bash\nls\n```\n```python\nx = 1\n```")).toBe("x = 1\n");
  });
});

describe("extractAnswer", () => {
  it("dispatches on style", () => {
    const item = { id: "1", question: "q", answer: "B", choices: ["x", "y"] };
    expect(extractAnswer("choice", "Answer: B", item)).toBe("B");
    expect(extractAnswer("number", "so 7")).toBe("7");
    expect(extractAnswer("math", "\\boxed{7}")).toBe("7");
    expect(extractAnswer("yesno", "Answer: yes")).toBe("yes");
    expect(extractAnswer("short", "Answer: x")).toBe("x");
    expect(extractAnswer("code", "```python\nx=1\n```")).toBe("x=1\n");
  });
});
