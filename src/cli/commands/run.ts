/** `tts-graph run GRAPH "question"`: run a graph on one question and show what each node did. */
import { UserError } from "../../errors.js";
import { prepareGraph, runGraph } from "../../exec/run.js";
import { resolveTask } from "../../resolve.js";
import { checkStyle } from "../../tasks/file.js";
import { createTask } from "../../tasks/task.js";
import { SPLITS } from "../../tasks/splits.js";
import type { Task, TaskItem } from "../../tasks/types.js";
import { ExitError } from "../main.js";
import { emit, table, type Io } from "../output.js";
import { cliContext, graphModels, graphSampling, loadGraphForPool, openCache, poolFor, probeEndpoints, type ExecOpts } from "./eval.js";

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

export async function runCommand(file: string, question: string, opts: RunOpts, io: Io): Promise<void> {
  if (question.trim() === "") throw new UserError("the question is empty", { code: "usage", source: "question" });
  const task = taskFor(opts);
  const loaded = poolFor(opts.task, opts.pool);
  const graph = loadGraphForPool(file, loaded);
  // A question naming one of the task's items (by id or by its text) is asked as that item and graded.
  const known = opts.task !== undefined ? findItem(task, question) : undefined;
  const item: TaskItem = known ?? { id: "question", question, answer: "" };
  await probeEndpoints(graphModels([graph], loaded), opts, (line) => io.stderr(line + "\n"));
  const cache = openCache(loaded, opts.cache);
  let trace;
  let unitFlops: number;
  try {
    const ctx = cliContext(task, loaded, opts, cache, graphSampling([{ file, graph }], opts, (line) => io.stderr(line + "\n")));
    unitFlops = ctx.unitFlops;
    trace = await runGraph(prepareGraph(graph, ctx), item, ctx, { grade: known !== undefined });
  } finally {
    cache?.close();
  }
  const value = {
    graph: file,
    task: task.id,
    pool: loaded.source,
    question: item.question,
    itemId: known ? item.id : null,
    answer: trace.answer,
    gold: known ? item.answer : null,
    correct: trace.correct,
    output: trace.output,
    errored: trace.errored,
    ...(trace.error ? { error: trace.error } : {}),
    flops: trace.flops,
    units: trace.flops / unitFlops,
    dollars: trace.dollars,
    latencyMs: trace.latencyMs,
    estimated: trace.estimated,
    graphHash: trace.graphHash,
    nodes: trace.nodes,
  };
  emit(io, opts.json, value, () => {
    const rows = trace.nodes.map((n) => [
      n.id,
      n.model,
      n.role,
      n.error ? "error" : (n.answer ?? "-"),
      `${n.promptTokens}/${n.completionTokens}${n.estimated ? "~" : ""}`,
      n.flops.toExponential(2),
      `${n.latencyMs.toFixed(0)} ms`,
      n.cached ? "cache" : String(n.attempts),
    ]);
    const lines = [
      trace.errored ? `error: ${trace.error?.message ?? "a call failed"}` : `answer: ${trace.answer ?? "(no answer could be read from the output)"}`,
      ...(known && !trace.errored ? [`gold answer of item ${item.id}: ${item.answer} (${trace.correct ? "correct" : "wrong"})`] : []),
      "",
      table(["node", "model", "role", "answer", "tokens in/out", "FLOPs", "latency", "attempts"], rows),
      "",
      `total: ${trace.flops.toExponential(3)} FLOPs (${(trace.flops / unitFlops).toFixed(3)} budget units)${trace.estimated ? ", token counts marked ~ are estimated" : ""}`,
      `latency: ${trace.latencyMs.toFixed(0)} ms (critical path)`,
    ];
    if (!trace.errored) lines.push("", "output:", trace.output);
    return lines.join("\n");
  });
  if (trace.errored) throw new ExitError(1);
}
