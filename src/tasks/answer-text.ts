/** The part of a model output an answer is read from, with its minus signs made plain. */

/** The text after a reasoning model's last `</think>`: its answer, not its deliberation. */
export function afterThinking(text: string): string {
  const k = text.lastIndexOf("</think>");
  return k < 0 ? text : text.slice(k + "</think>".length);
}

/** Minus signs written other than as `-`: U+2212, small and full-width hyphen-minus, a dash before a digit. */
export function asciiMinus(text: string): string {
  return text.replace(/[\u2212\uFE63\uFF0D]/g, "-").replace(/(?<![\w)])[\u2012\u2013](?=\d)/g, "-");
}

/** What an extractor reads: the answer part of the output, minus signs as `-`. */
export function answerText(text: string): string {
  return asciiMinus(afterThinking(text));
}
