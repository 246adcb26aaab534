/**
 * Every prompt the executor sends, in one place. A node's prompt depends on its role (assistant
 * alone, assistant refining given references, fuser), on whether it is the graph's output node, and
 * on the task style (which fixes the answer format the extractor reads back).
 */
import type { ChatMessage, PromptInput, Task, TaskItem, TaskStyle } from "./types.js";

/** How each style asks for its final answer, so the extractor can find it. */
export const ANSWER_FORMAT: Readonly<Record<TaskStyle, string>> = {
  math: "Reason step by step, then put the final answer, and nothing else, in \\boxed{} at the very end.",
  number: "Reason step by step, then give the final numeric answer in \\boxed{} at the very end (digits only, no units).",
  choice: 'Reason briefly, then end with a line of the form "Answer: X", where X is the letter of the correct option.',
  code: "Reply with the complete Python solution in a single ```python code block: the full function, with its signature and any imports it needs. No tests, no example usage.",
  yesno: 'Reason briefly, then end with a line that is exactly "Answer: yes" or "Answer: no".',
  short: 'Reason briefly, then end with a line of the form "Answer: <your short answer>".',
};

export const EXPERT: Readonly<Record<TaskStyle, string>> = {
  math: "You are an expert mathematician.",
  number: "You are careful at solving word problems with arithmetic.",
  choice: "You are a knowledgeable expert answering multiple-choice questions.",
  code: "You are an expert Python programmer.",
  yesno: "You are a careful reasoner answering yes/no questions.",
  short: "You are a careful, knowledgeable assistant.",
};

/** The question as shown to a model: the text, plus lettered options for multiple choice. */
export function formatQuestion(item: TaskItem, style: TaskStyle): string {
  if (style === "choice" && item.choices && item.choices.length > 0) {
    const options = item.choices.map((c, i) => `${String.fromCharCode(65 + i)}. ${c}`).join("\n");
    return `${item.question}\n\n${options}`;
  }
  return item.question;
}

/** Predecessors' outputs as the prompts show them: `[Response 1]` blocks. */
export function numbered(refs: PromptInput["references"]): string {
  return refs.map((r, i) => `[Response ${i + 1}]\n${r.text.trim()}`).join("\n\n");
}

/** Told to the output node: its answer is graded (empty for other nodes). */
export function teamNote(input: Pick<PromptInput, "isOutput">): string {
  return input.isOutput ? " Your answer is the final answer of the whole team and will be graded." : "";
}

/** The standard prompt of a style; tasks with their own `render` use that instead. */
export function standardPrompt(style: TaskStyle, input: PromptInput): ChatMessage[] {
  const question = formatQuestion(input.item, style);
  const format = ANSWER_FORMAT[style];
  const final = teamNote(input);

  if (input.role === "fuser") {
    const system =
      `${EXPERT[style]} You are the fusion agent of a team of models. Your job is to review the answers other agents gave, ` +
      `keep the reasoning that is correct, drop what is wrong or redundant, and condense them into one answer.${final}`;
    const user =
      `Question:\n${question}\n\nAnswers from other agents:\n\n${numbered(input.references)}\n\n` +
      `Check the answers against each other and against the question. Where they disagree, work out which is right. ` +
      `Be brief. ${format}`;
    return [
      { role: "system", content: system },
      { role: "user", content: user },
    ];
  }

  if (input.references.length > 0) {
    const system = `${EXPERT[style]} Other models have answered the same question; their answers may help, but any of them may be wrong.${final}`;
    const user =
      `Question:\n${question}\n\nResponses from other models:\n\n${numbered(input.references)}\n\n` +
      `Evaluate these responses critically, then write your own best answer to the question. Do not simply copy a response unless you have checked it. ${format}`;
    return [
      { role: "system", content: system },
      { role: "user", content: user },
    ];
  }

  return [
    { role: "system", content: `${EXPERT[style]} ${format}${final}` },
    { role: "user", content: question },
  ];
}

/** Render a node's prompt for a task: the task's own format when it has one, else the style's. */
export function renderPrompt(task: Pick<Task, "style" | "render">, input: PromptInput): ChatMessage[] {
  return task.render ? task.render(input) : standardPrompt(task.style, input);
}
