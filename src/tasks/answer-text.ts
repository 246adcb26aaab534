/** The part of a model output an answer is read from, with its minus signs made plain. */

/**
 * The text after a reasoning model's last `</think>`: its answer, not its deliberation. An output cut
 * off while still thinking (`<think>` never closed) has no answer yet.
 */
export function afterThinking(text: string): string {
  const k = text.lastIndexOf("</think>");
  if (k >= 0) return text.slice(k + "</think>".length);
  return /^\s*<think>/.test(text) ? "" : text;
}

/** Minus signs written other than as `-`: U+2212, small and full-width hyphen-minus, a dash before a digit. */
export function asciiMinus(text: string): string {
  return text.replace(/[\u2212\uFE63\uFF0D]/g, "-").replace(/(?<![\w)])[\u2012\u2013](?=\d)/g, "-");
}

/** What an extractor reads: the answer part of the output, minus signs as `-`. */
export function answerText(text: string): string {
  return asciiMinus(afterThinking(text));
}
