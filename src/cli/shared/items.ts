/** The task and item a question is asked in, for `run` and `serve`. */
import { UserError } from "../../errors.js";
import { resolveTask } from "../../resolve.js";
import { checkStyle } from "../../tasks/file.js";
import { createTask } from "../../tasks/task.js";
import { SPLITS } from "../../tasks/splits.js";
import type { Task, TaskItem } from "../../tasks/types.js";
import type { ExecOpts } from "./exec.js";

export interface RunOpts extends ExecOpts {
  task?: string;
  style?: string;
}

/** The task whose prompts and answer format the question is asked in: `--task`, else a bare style. */
export function taskFor(opts: RunOpts): Task {
  if (opts.task !== undefined && opts.style !== undefined) throw new UserError("give --task or --style, not both", { code: "usage", source: "--style" });
  if (opts.task !== undefined) return resolveTask(opts.task, { dataDir: opts.data, seed: opts.seed });
  const style = checkStyle(opts.style ?? "short");
  return createTask({ id: `style:${style}`, style, load: () => [] });
}

/** The task item a question names, by id or by its exact text. */
export function findItem(task: Task, question: string): TaskItem | undefined {
  for (const split of SPLITS) {
    const found = task.items(split).find((i) => i.id === question || i.question === question);
    if (found) return found;
  }
  return undefined;
}
