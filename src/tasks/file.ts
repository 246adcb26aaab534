/** Tasks read from a user's JSONL file, with a field mapping and a style (inferred when not given). */
import { basename } from "node:path";
import { UserError } from "../errors.js";
import { inferStyle, readItemsFile, type TaskFieldMap } from "./jsonl.js";
import { createTask, type DatasetTask, type TaskOptions } from "./task.js";
import { STYLE_TOKENS } from "./tokens.js";
import { TASK_STYLES, type TaskItem, type TaskStyle } from "./types.js";

export interface FileTaskOptions extends TaskOptions {
  /** Which fields hold the id, question, answer and choices (defaults: the same names). */
  fields?: TaskFieldMap | undefined;
  /** The prompt and grading style; inferred from the items when absent. */
  style?: TaskStyle | undefined;
}

export function checkStyle(style: string, source = "--style"): TaskStyle {
  if ((TASK_STYLES as readonly string[]).includes(style)) return style as TaskStyle;
  throw new UserError(`unknown task style "${style}": expected one of ${TASK_STYLES.join(", ")}`, { code: "unknown_style", source });
}

/** Read a task file now: every item, validated, with its style. */
export function readTaskFile(file: string, options: Pick<FileTaskOptions, "fields" | "style"> = {}): { items: TaskItem[]; style: TaskStyle } {
  const style = options.style === undefined ? undefined : checkStyle(options.style);
  const { items } = readItemsFile(file, {
    fields: options.fields,
    answerRequired: style !== "code",
    choicesRequired: style === "choice",
  });
  return { items, style: style ?? inferStyle(items) };
}

/**
 * A task from a JSONL file. The file is read at once (so its problems surface before any work);
 * the task id is `file:<name>`.
 */
export function fileTask(file: string, options: FileTaskOptions = {}): DatasetTask {
  const { items, style } = readTaskFile(file, options);
  return createTask(
    {
      id: `file:${basename(file)}`,
      style,
      description: `${items.length} items from ${file} (${options.style ? "style" : "inferred style"} ${style})`,
      tokens: STYLE_TOKENS[style],
      load: () => items,
    },
    options,
  );
}
